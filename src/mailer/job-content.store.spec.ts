import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '../../test/helpers/free-port';
import { resolveAsesOptions } from '../core/resolve-options';
import type { AsesModuleOptions } from '../core/ases-options';
import { jobContentKey, JobContentStore } from './job-content.store';

/** fauxqs (an ES module, which Jest workers cannot import) in a child process of its own. */
class FauxqsProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<FauxqsProcess> {
    const script = [
      "import { startFauxqs } from 'fauxqs';",
      'const server = await startFauxqs({ port: 0, logger: false });',
      "console.log('fauxqs listening on ' + server.port);",
      "process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));",
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: resolve(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    const port = await new Promise<number>((resolvePort, reject) => {
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /fauxqs listening on (\d+)/.exec(out);
        if (match) {
          resolvePort(Number(match[1]));
        }
      });
      child.once('exit', (code) => reject(new Error(`fauxqs exited (${code}): ${errors}`)));
    });
    return new FauxqsProcess(child, `http://127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((done) => this.child.once('exit', done));
      this.child.kill('SIGTERM');
      await exited;
    }
  }
}

const BUCKET = 'ases-spec';
const minimal: AsesModuleOptions = {
  development: true,
  apiKeys: ['key'],
  tracking: { baseUrl: 'https://mail.example.com', secret: 's3cret' },
  region: 'us-east-1',
};

function storeAt(endpoint: string, bucket: string | undefined = BUCKET): JobContentStore {
  return new JobContentStore(
    resolveAsesOptions({ ...minimal, s3Bucket: bucket, endpoints: { s3: endpoint } }),
  );
}

describe('jobContentKey', () => {
  it('puts the day, the percent-encoded id and the random part under ases/jobs/', () => {
    const now = new Date('2025-03-09T23:59:59.999Z');
    expect(jobContentKey('m-1', now, 'r4nd')).toBe('ases/jobs/2025-03-09/m-1/r4nd');
    expect(jobContentKey('a/b c?é', now, 'r')).toBe('ases/jobs/2025-03-09/a%2Fb%20c%3F%C3%A9/r');
  });
});

describe('JobContentStore against fauxqs S3', () => {
  let fauxqs: FauxqsProcess;
  let store: JobContentStore;
  const savedCredentials = {
    id: process.env.AWS_ACCESS_KEY_ID,
    secret: process.env.AWS_SECRET_ACCESS_KEY,
  };

  beforeAll(async () => {
    // The store takes credentials from the SDK's default chain, as it does in production.
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    fauxqs = await FauxqsProcess.start();
    const created = await fetch(`${fauxqs.endpoint}/${BUCKET}`, { method: 'PUT' });
    expect(created.status).toBe(200);
    store = storeAt(fauxqs.endpoint);
  });

  afterAll(async () => {
    store?.onApplicationShutdown();
    await fauxqs?.stop();
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', savedCredentials.id],
      ['AWS_SECRET_ACCESS_KEY', savedCredentials.secret],
    ] as const) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  });

  it('stores 6 MB of JSON byte for byte, gives it back, and deletes it', async () => {
    const text = 'Grüße, 你好, 😀 — ';
    const body = JSON.stringify({
      raw: text.repeat(Math.ceil((6 * 1024 * 1024) / Buffer.byteLength(text))),
    });
    expect(Buffer.byteLength(body)).toBeGreaterThan(6 * 1024 * 1024);
    const today = new Date().toISOString().slice(0, 10);

    const key = await store.put('m/1 é', body);

    expect(key).toMatch(new RegExp(`^ases/jobs/${today}/m%2F1%20%C3%A9/[A-Za-z0-9_-]{16}$`));
    // As S3 holds it: the UTF-8 bytes and the content type.
    const path = key.split('/').map(encodeURIComponent).join('/');
    const stored = await fetch(`${fauxqs.endpoint}/${BUCKET}/${path}`);
    expect(stored.headers.get('content-type')).toBe('application/json');
    expect(Buffer.from(await stored.arrayBuffer()).equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(await store.get(key)).toBe(body);

    await store.delete(key);
    expect(await store.get(key)).toBeNull();
    await expect(store.delete(key)).resolves.toBeUndefined();
  });

  it('puts each content under a new key, even for the same id', async () => {
    const first = await store.put('same', '{"n":1}');
    const second = await store.put('same', '{"n":2}');
    expect(first).not.toBe(second);
    expect(await store.get(first)).toBe('{"n":1}');
    expect(await store.get(second)).toBe('{"n":2}');
  });

  it('answers null for a key that was never stored', async () => {
    await expect(store.get('ases/jobs/2025-01-01/nothing/here')).resolves.toBeNull();
  });

  it('fails naming the bucket when the bucket does not exist, rather than answering null', async () => {
    const missing = storeAt(fauxqs.endpoint, 'no-such-bucket');
    try {
      await expect(missing.put('m-1', '{}')).rejects.toThrow(
        /^S3 \(bucket no-such-bucket\): PutObject ases\/jobs\/\S+: NoSuchBucket: /,
      );
      await expect(missing.get('ases/jobs/x')).rejects.toThrow(
        /^S3 \(bucket no-such-bucket\): GetObject ases\/jobs\/x: NoSuchBucket: /,
      );
      await expect(missing.delete('ases/jobs/x')).rejects.toThrow(
        /^S3 \(bucket no-such-bucket\): DeleteObject ases\/jobs\/x: NoSuchBucket: /,
      );
    } finally {
      missing.onApplicationShutdown();
    }
  });

  it('fails naming the bucket when S3 cannot be reached', async () => {
    const unreachable = storeAt(`http://127.0.0.1:${await freePort()}`);
    try {
      await expect(unreachable.get('ases/jobs/x')).rejects.toThrow(
        /^S3 \(bucket ases-spec\): GetObject ases\/jobs\/x: .*ECONNREFUSED/,
      );
    } finally {
      unreachable.onApplicationShutdown();
    }
  });
});

describe('JobContentStore without a bucket', () => {
  it('is disabled and says why when used', async () => {
    const store = new JobContentStore(resolveAsesOptions(minimal));
    expect(store.enabled).toBe(false);
    await expect(store.put('m-1', '{}')).rejects.toThrow(
      'S3 (no bucket): s3Bucket (S3_BUCKET) is not set',
    );
    expect(() => store.onApplicationShutdown()).not.toThrow();
  });

  it('is enabled with one', () => {
    const store = storeAt('http://127.0.0.1:1');
    expect(store.enabled).toBe(true);
    store.onApplicationShutdown();
  });
});
