import type { LocalStack } from './local-stack';
import { serviceEnvLine } from './local-stack.config';

/** What of a running stack the banner shows. */
export type BannerStack = Pick<
  LocalStack,
  | 'region'
  | 'sqsEndpoint'
  | 'snsEndpoint'
  | 's3Endpoint'
  | 's3Bucket'
  | 'sesEndpoint'
  | 'viewerUrl'
  | 'queueUrls'
  | 'topicArns'
  | 'env'
  | 'asesOptions'
>;

/** Quotes a value for a POSIX shell when it needs it. */
function shellValue(value: string): string {
  return /^[\w@%+=:,./-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * What `ases-local-stack` prints once the stack runs: the endpoints, the environment to use it
 * (as `export` lines and as a `.env` block), the `AsesModule.forRoot` options for an embedding
 * host, and the line that runs the ases service against it.
 */
export function localStackBanner(stack: BannerStack): string {
  const env = Object.entries(stack.env);
  const options = stack.asesOptions();
  return [
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
    'Environment of a process using it (shell):',
    ...env.map(([name, value]) => `  export ${name}=${shellValue(value)}`),
    '',
    'The same as a .env file:',
    ...env.map(([name, value]) => `  ${name}=${value}`),
    '',
    'In a Nest host, AsesModule.forRoot({ ... }) with:',
    `  region: '${options.region}',`,
    `  endpoints: { sqs: '${options.endpoints.sqs}', ses: '${options.endpoints.ses}', s3: '${options.endpoints.s3}' },`,
    `  credentials: { accessKeyId: '${options.credentials.accessKeyId}', secretAccessKey: '${options.credentials.secretAccessKey}' },`,
    `  s3Bucket: '${options.s3Bucket}',`,
    '  (from code: AsesModule.forRoot({ ...stack.asesOptions(), ... }) with stack = await startLocalStack())',
    '',
    'Run the ases service against it with:',
    `  ${serviceEnvLine(stack)}`,
    '',
    'Ctrl-C stops it.',
  ].join('\n');
}
