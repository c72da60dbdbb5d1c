import { errorMessage } from './local-logger';
import { startLocalStack } from './local-stack';
import {
  readLocalStackConfig,
  serviceEnvLine,
  type LocalStackCliConfig,
} from './local-stack.config';

async function main(): Promise<void> {
  let config: LocalStackCliConfig;
  try {
    config = readLocalStackConfig(process.env);
  } catch (error) {
    console.error(`local stack: ${errorMessage(error)}`);
    process.exitCode = 1;
    return;
  }
  const stack = await startLocalStack({ ...config, logger: console });
  console.log(
    [
      '',
      'Local AWS stack is running.',
      `  SQS + SNS  ${stack.sqsEndpoint}`,
      `  S3         ${stack.s3Endpoint}   (path-style; claim-check bucket ${stack.s3Bucket})`,
      `  SES        ${stack.sesEndpoint}   (mailbox simulator: *@simulator.amazonses.com)`,
      `  Mail sent  ${stack.viewerUrl}   (JSON: ${stack.sesEndpoint}/store)`,
      '  Queues',
      ...Object.entries(stack.queueUrls).map(([name, url]) => `    ${name.padEnd(11)}${url}`),
      '  Default feedback topics',
      ...Object.entries(stack.topicArns).map(([name, arn]) => `    ${name.padEnd(11)}${arn}`),
      '',
      'Run the service against it with:',
      `  ${serviceEnvLine(stack)}`,
      '',
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  const shutdown = (signal: NodeJS.Signals): void => {
    console.log(`local stack: ${signal}, stopping`);
    stack.stop().then(
      () => console.log('local stack: stopped'),
      (error: unknown) => {
        console.error(`local stack: stopping failed: ${errorMessage(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`local stack: failed to start: ${errorMessage(error)}`);
  process.exitCode = 1;
});
