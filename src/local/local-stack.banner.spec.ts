import { localStackBanner, type BannerStack } from './local-stack.banner';
import { localStackEnv } from './local-stack.config';

const address = {
  region: 'us-east-1',
  sqsEndpoint: 'http://127.0.0.1:4566',
  snsEndpoint: 'http://127.0.0.1:4566',
  s3Endpoint: 'http://127.0.0.1:4566',
  s3Bucket: 'ases-local',
  sesEndpoint: 'http://127.0.0.1:8005',
};

const stack: BannerStack = {
  ...address,
  viewerUrl: 'http://127.0.0.1:8005/',
  queueUrls: {
    sendmail: 'http://sqs.us-east-1.localhost:4566/000000000000/ases-sendmail',
    bounces: 'http://sqs.us-east-1.localhost:4566/000000000000/ases-bounces',
    complaints: 'http://sqs.us-east-1.localhost:4566/000000000000/ases-complaints',
    deliveries: 'http://sqs.us-east-1.localhost:4566/000000000000/ases-deliveries',
  },
  topicArns: {
    bounces: 'arn:aws:sns:us-east-1:000000000000:ases-bounces-topic',
    complaints: 'arn:aws:sns:us-east-1:000000000000:ases-complaints-topic',
    deliveries: 'arn:aws:sns:us-east-1:000000000000:ases-deliveries-topic',
  },
  env: localStackEnv(address),
  asesOptions: () => ({
    region: 'us-east-1',
    endpoints: {
      sqs: 'http://127.0.0.1:4566',
      ses: 'http://127.0.0.1:8005',
      s3: 'http://127.0.0.1:4566',
    },
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    s3Bucket: 'ases-local',
  }),
};

describe('localStackBanner', () => {
  const lines = localStackBanner(stack).split('\n');

  it('prints the environment as export lines and as a .env block', () => {
    const exports = lines.filter((line) => line.startsWith('  export '));
    expect(exports).toEqual(
      Object.entries(stack.env).map(([name, value]) => `  export ${name}=${value}`),
    );
    const dotenv = lines.indexOf('The same as a .env file:');
    expect(lines.slice(dotenv + 1, dotenv + 9)).toEqual([
      '  AWS_ENDPOINT_URL_SQS=http://127.0.0.1:4566',
      '  AWS_ENDPOINT_URL_SNS=http://127.0.0.1:4566',
      '  AWS_ENDPOINT_URL_SES=http://127.0.0.1:8005',
      '  AWS_ENDPOINT_URL_S3=http://127.0.0.1:4566',
      '  S3_BUCKET=ases-local',
      '  AWS_REGION=us-east-1',
      '  AWS_ACCESS_KEY_ID=local',
      '  AWS_SECRET_ACCESS_KEY=local',
    ]);
  });

  it('prints the forRoot options of an embedding host', () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        "  region: 'us-east-1',",
        "  endpoints: { sqs: 'http://127.0.0.1:4566', ses: 'http://127.0.0.1:8005', s3: 'http://127.0.0.1:4566' },",
        "  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },",
        "  s3Bucket: 'ases-local',",
      ]),
    );
  });

  it('still prints the endpoints, the viewer and the service line', () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        '  SQS + SNS  http://127.0.0.1:4566',
        '  SES        http://127.0.0.1:8005   (mailbox simulator: *@simulator.amazonses.com)',
        '  Mail sent  http://127.0.0.1:8005/   (JSON: http://127.0.0.1:8005/store)',
      ]),
    );
    expect(lines.find((line) => line.startsWith('  LOCAL_STACK=false '))).toContain(
      'AWS_ENDPOINT_URL_SES=http://127.0.0.1:8005',
    );
  });
});
