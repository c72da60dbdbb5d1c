import { spawn, type ChildProcess } from 'node:child_process';

/** Where the local stack is, in the shape of AsesModule's options. */
export interface LocalStackAws {
  region: string;
  endpoints: { sqs: string; ses: string; s3: string };
  credentials: { accessKeyId: string; secretAccessKey: string };
  s3Bucket: string;
}

/** A local stack started by ases's `ases-local-stack` bin. */
export interface LocalStackProcess {
  aws: LocalStackAws;
  stop(): Promise<void>;
}

const WANTED = [
  'AWS_REGION',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_SES',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'S3_BUCKET',
];

/**
 * Runs `npx ases-local-stack` (the bin of the installed ases package) on free ports and reads the
 * environment it prints, as a developer would copy it from the terminal.
 */
export function startLocalStackProcess(timeoutMs: number): Promise<LocalStackProcess> {
  const child = spawn('npx', ['--no-install', 'ases-local-stack'], {
    env: { ...process.env, LOCAL_SQS_PORT: '0', LOCAL_SES_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stop() reaches the node process npx started.
    detached: true,
  });
  let output = '';
  return new Promise<LocalStackProcess>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      killGroup(child);
      reject(new Error(`ases-local-stack ${why}; it printed:\n${output}`));
    };
    const timer = setTimeout(() => fail(`printed no env within ${timeoutMs} ms`), timeoutMs);
    const read = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const env = printedEnv(output);
      if (WANTED.every((name) => env[name])) {
        clearTimeout(timer);
        child.stdout?.removeListener('data', read);
        resolve({
          aws: {
            region: env.AWS_REGION,
            endpoints: {
              sqs: env.AWS_ENDPOINT_URL_SQS,
              ses: env.AWS_ENDPOINT_URL_SES,
              s3: env.AWS_ENDPOINT_URL_S3,
            },
            credentials: {
              accessKeyId: env.AWS_ACCESS_KEY_ID,
              secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            },
            s3Bucket: env.S3_BUCKET,
          },
          stop: () => stopGroup(child),
        });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited (code ${code}, signal ${signal})`));
  });
}

/** Every `NAME=value` the stack printed (`export` lines, an .env block, a shell line). */
function printedEnv(output: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of output.matchAll(/\b([A-Z][A-Z0-9_]*)=("?)([^\s"']+)\2/g)) {
    env[match[1]] = match[3];
  }
  return env;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    killGroup(child);
  });
}
