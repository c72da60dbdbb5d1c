import { GetSendQuotaCommand, SESClient } from '@aws-sdk/client-ses';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalStack, type LocalStack } from '../../src/local/local-stack';

/** Whether something answers HTTP at `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * `startLocalStack()` as a host's own test file calls it: no options, inside a Jest worker
 * (fauxqs, an ES module, is loaded there too), beside the suite's shared stack.
 */
describe('startLocalStack() with no options', () => {
  const stacks: LocalStack[] = [];

  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
  });

  it('starts on free ports, with the default queues and bucket, and says how to reach it', async () => {
    const [stack, second] = await Promise.all([startLocalStack(), startLocalStack()]);
    stacks.push(stack, second);

    const ports = [stack, second].flatMap((s) => [
      new URL(s.sqsEndpoint).port,
      new URL(s.sesEndpoint).port,
    ]);
    expect(new Set(ports).size).toBe(4);
    // Not the CLI's fixed ports, nor the shared stack's.
    for (const taken of [
      '4566',
      '8005',
      process.env.AWS_ENDPOINT_URL_SQS,
      process.env.AWS_ENDPOINT_URL_SES,
    ]) {
      expect(ports).not.toContain(taken?.replace(/^.*:/, ''));
    }

    expect(stack.region).toBe('us-east-1');
    expect(stack.s3Bucket).toBe('ases-local');
    expect(stack.credentials).toEqual({ accessKeyId: 'local', secretAccessKey: 'local' });
    expect(stack.endpoints).toEqual({
      sqs: stack.sqsEndpoint,
      sns: stack.sqsEndpoint,
      ses: stack.sesEndpoint,
      s3: stack.sqsEndpoint,
    });
    expect(stack.env).toEqual({
      AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
      AWS_ENDPOINT_URL_SNS: stack.sqsEndpoint,
      AWS_ENDPOINT_URL_SES: stack.sesEndpoint,
      AWS_ENDPOINT_URL_S3: stack.sqsEndpoint,
      S3_BUCKET: 'ases-local',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    expect(stack.asesOptions()).toEqual({
      region: 'us-east-1',
      endpoints: { sqs: stack.sqsEndpoint, ses: stack.sesEndpoint, s3: stack.sqsEndpoint },
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      s3Bucket: 'ases-local',
    });

    // What asesOptions() gives reaches the stack: its default queues exist, SES answers.
    const { region, endpoints, credentials } = stack.asesOptions();
    const sqs = new SQSClient({ region, endpoint: endpoints.sqs, credentials });
    const ses = new SESClient({ region, endpoint: endpoints.ses, credentials });
    try {
      for (const [name, url] of Object.entries(stack.queueUrls)) {
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `ases-${name}` }));
        expect(QueueUrl).toBe(url);
      }
      expect((await ses.send(new GetSendQuotaCommand({}))).SentLast24Hours).toBe(0);
    } finally {
      sqs.destroy();
      ses.destroy();
    }
  });

  it('stops, closing its endpoints, and may be stopped twice', async () => {
    const stack = await startLocalStack();
    stacks.push(stack);
    expect(await answers(`${stack.sesEndpoint}/health-check`)).toBe(true);
    expect(await answers(stack.sqsEndpoint)).toBe(true);

    await stack.stop();
    await stack.stop();
    expect(await answers(`${stack.sesEndpoint}/health-check`)).toBe(false);
    expect(await answers(stack.sqsEndpoint)).toBe(false);
  });
});
