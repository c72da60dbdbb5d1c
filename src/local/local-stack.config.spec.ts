import {
  localStackEnv,
  readLocalStackConfig,
  readPort,
  serviceEnvLine,
} from './local-stack.config';

describe('readLocalStackConfig', () => {
  it('uses the documented defaults', () => {
    expect(readLocalStackConfig({})).toEqual({
      region: 'us-east-1',
      sqsPort: 4566,
      sesPort: 8005,
      queues: {
        sendmail: 'ases-sendmail',
        bounces: 'ases-bounces',
        complaints: 'ases-complaints',
        deliveries: 'ases-deliveries',
      },
      s3Bucket: 'ases-local',
    });
  });

  it('reads every variable', () => {
    expect(
      readLocalStackConfig({
        AWS_REGION: 'eu-west-1',
        LOCAL_SQS_PORT: '0',
        LOCAL_SES_PORT: '9005',
        SES_SENDMAIL_QUEUE: 's',
        SES_BOUNCES_QUEUE: 'b',
        SES_COMPLAINTS_QUEUE: 'c',
        SES_DELIVERIES_QUEUE: 'd',
        SES_EVENTS_QUEUE: 'e',
        S3_BUCKET: 'mail-jobs',
      }),
    ).toEqual({
      region: 'eu-west-1',
      sqsPort: 0,
      sesPort: 9005,
      queues: { sendmail: 's', bounces: 'b', complaints: 'c', deliveries: 'd' },
      eventsQueue: 'e',
      s3Bucket: 'mail-jobs',
    });
  });

  it.each(['abc', '-1', '65536', '80.5', '1e3'])(
    'rejects LOCAL_SES_PORT=%s, naming the variable',
    (value) => {
      expect(() => readLocalStackConfig({ LOCAL_SES_PORT: value })).toThrow(
        `LOCAL_SES_PORT must be a port number from 0 to 65535, got "${value}"`,
      );
    },
  );

  it('rejects a bad S3_BUCKET, naming the variable and why', () => {
    expect(() => readLocalStackConfig({ S3_BUCKET: 'Ases_Local' })).toThrow(
      'S3_BUCKET must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots and ' +
        'hyphens, starting and ending with a letter or digit, got "Ases_Local": "A" is not a ' +
        'lowercase letter, digit, dot or hyphen',
    );
  });

  it('treats a blank port as unset', () => {
    expect(readPort({ P: '  ' }, 'P', 42)).toBe(42);
  });
});

describe('serviceEnvLine', () => {
  it('gives the variables a service process needs, on one line', () => {
    expect(
      serviceEnvLine({
        region: 'us-east-1',
        sqsEndpoint: 'http://127.0.0.1:4566',
        snsEndpoint: 'http://127.0.0.1:4566',
        sesEndpoint: 'http://127.0.0.1:8005',
        s3Endpoint: 'http://127.0.0.1:4566',
        s3Bucket: 'ases-local',
      }),
    ).toBe(
      'LOCAL_STACK=false AWS_ENDPOINT_URL_SQS=http://127.0.0.1:4566 ' +
        'AWS_ENDPOINT_URL_SNS=http://127.0.0.1:4566 AWS_ENDPOINT_URL_SES=http://127.0.0.1:8005 ' +
        'AWS_ENDPOINT_URL_S3=http://127.0.0.1:4566 S3_BUCKET=ases-local ' +
        'AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local ' +
        'API_KEYS=local-dev-key-shared TRACKING_SECRET=local-tracking-secret-shared-stack',
    );
  });
});

describe('localStackEnv', () => {
  it("gives the SDK's standard variables for the stack's endpoints, and the bucket", () => {
    expect(
      localStackEnv({
        region: 'eu-west-1',
        sqsEndpoint: 'http://127.0.0.1:40001',
        snsEndpoint: 'http://127.0.0.1:40001',
        sesEndpoint: 'http://127.0.0.1:40002',
        s3Endpoint: 'http://127.0.0.1:40001',
        s3Bucket: 'mail-jobs',
      }),
    ).toEqual({
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:40001',
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:40001',
      AWS_ENDPOINT_URL_SES: 'http://127.0.0.1:40002',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:40001',
      S3_BUCKET: 'mail-jobs',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
  });
});
