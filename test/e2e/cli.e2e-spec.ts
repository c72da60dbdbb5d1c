import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli';
import { freePort } from '../helpers/free-port';
import { API_KEY, TestApp, startTestApp, waitFor } from '../helpers/test-app';
import { WebhookReceiver } from '../helpers/webhook-receiver';

/** What one CLI run printed and exited with. */
interface Run {
  code: number;
  out: string;
  err: string;
}

/** A mail as the local SES's `/store` lists it, with its attachments. */
interface StoredMail {
  messageId: string;
  attachments: Array<{ filename?: string; contentType: string; content: string }>;
}

const ROOT = join(__dirname, '..', '..');

/** Runs `node -r ts-node/register/transpile-only src/cli/main.ts …`: the bin as a process. */
function runBin(argv: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/cli/main.ts', ...argv],
      { cwd: ROOT, env: { ...process.env, ASES_URL: '', ASES_API_KEY: '' } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('ases CLI against the service (real Redis, local SQS/SNS/SES)', () => {
  let t: TestApp;
  let url: string;
  let dir: string;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    // The webhook receiver listens on 127.0.0.1.
    t = await startTestApp('cli', { webhooks: { allowPrivate: true } });
    await t.app.listen(0, '127.0.0.1');
    url = await t.app.getUrl();
    dir = await mkdtemp(join(tmpdir(), 'ases-cli-'));
  });

  afterAll(async () => {
    await t.close();
    await receiver.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** `ases --url <the app> --key <its key> …argv`, in this process. */
  async function cli(...argv: string[]): Promise<Run> {
    return runAs(['--url', url, '--key', API_KEY, ...argv]);
  }

  async function runAs(argv: string[]): Promise<Run> {
    let out = '';
    let err = '';
    const code = await runCli(argv, {
      env: {},
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
    });
    return { code, out, err };
  }

  /** `ases send --json …` of an HTML mail from the app's sender domain; the new id. */
  async function send(to: string, ...flags: string[]): Promise<string> {
    const sent = await cli(
      '--json',
      'send',
      '--from',
      t.sender(),
      '--to',
      to,
      '--subject',
      `cli ${to}`,
      '--html',
      '<p>hello from the CLI</p>',
      ...flags,
    );
    expect(sent).toMatchObject({ code: 0, err: '' });
    const answer = JSON.parse(sent.out) as { id: string; status: string };
    expect(answer.status).toBe('QUEUED');
    return answer.id;
  }

  it('sends a mail with an attachment file and watches it to DELIVERED (exit 0)', async () => {
    const pdf = randomBytes(5000);
    const path = join(dir, 'invoice.pdf');
    await writeFile(path, pdf);
    const id = await send('success@simulator.amazonses.com', '--attach', path, '--tag', 'via=cli');

    const watched = await cli('watch', id, '--interval', '200ms', '--timeout', '40s');
    expect(watched.err).toBe('');
    expect(watched.code).toBe(0);
    const lines = watched.out.trim().split('\n');
    // The statuses it passed depend on when each read came; the timeline holds every step.
    expect(lines.at(-1)).toMatch(/^status DELIVERED( \(was (QUEUED|PUSHED)\))?$/);
    expect(lines.filter((line) => / (queued|pushed|delivery)( |$)/.test(line))).toHaveLength(3);

    const record = await t.status(id);
    expect(record.body).toMatchObject({ status: 'DELIVERED', tags: { via: 'cli' } });
    const mails = await waitFor(
      async () =>
        (
          (await (await fetch(`${process.env.AWS_ENDPOINT_URL_SES}/store`)).json()) as {
            emails: StoredMail[];
          }
        ).emails,
      (list) => list.some((mail) => mail.messageId === record.body.sesMessageId),
      { what: 'the local SES to store the mail' },
    );
    const file = mails
      .find((mail) => mail.messageId === record.body.sesMessageId)!
      .attachments.find((each) => each.filename === 'invoice.pdf')!;
    expect(file.contentType).toBe('application/pdf');
    expect(Buffer.from(file.content, 'base64').equals(pdf)).toBe(true);
  });

  it('watches a bounce to its end (exit 4), shows it, and finds the address suppressed', async () => {
    const address = `bounce+cli-${randomUUID().slice(0, 8)}@simulator.amazonses.com`;
    const id = await send(address);

    const watched = await cli('--json', 'watch', id, '--interval', '200ms', '--timeout', '40s');
    expect(watched.code).toBe(4);
    const lines = watched.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, any>);
    expect(lines.at(-1)).toEqual({ kind: 'end', settled: true, status: 'BOUNCED' });
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'event',
        event: expect.objectContaining({ type: 'bounce' }),
      }),
    );

    const status = await cli('status', id, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({
      id,
      status: 'BOUNCED',
      bounce: { type: 'Permanent' },
    });
    const human = await cli('status', id);
    expect(human.out).toMatch(/^ID: +\S+\nStatus: +BOUNCED\n/);
    expect(human.out).toMatch(/\nTimeline\nAT +EVENT +RECIPIENT +DETAIL\n/);

    const list = await cli('suppressions', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${address.replace(/[+.]/g, '\\$&')} +bounce `, 'm'));

    const removed = await cli('suppressions', 'remove', address);
    expect(removed).toEqual({ code: 0, out: `removed ${address}\n`, err: '' });
    const again = await cli('suppressions', 'remove', address);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`SUPPRESSION_NOT_FOUND: ${address} is not on the suppression list\n`);
  });

  it('adds an address by hand and reads it back', async () => {
    const address = `manual-${randomUUID().slice(0, 8)}@example.org`;
    const added = await cli('suppressions', 'add', address, '--reason', 'asked us to stop');
    expect(added).toEqual({ code: 0, out: `added ${address}\n`, err: '' });
    const shown = await cli('--json', 'suppressions', 'show', address);
    expect(JSON.parse(shown.out)).toMatchObject({
      email: address,
      reason: 'asked us to stop',
      source: 'manual',
    });
  });

  it('adds, lists, tests and removes a webhook endpoint, showing its secret once', async () => {
    const hookUrl = await receiver.start();
    const added = await cli(
      '--json',
      'webhooks',
      'add',
      hookUrl,
      '--events',
      'message.complained,suppression.removed',
      '--description',
      'cli e2e',
    );
    expect(added.code).toBe(0);
    const endpoint = JSON.parse(added.out) as { id: string; secret: string; events: string[] };
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint.events).toEqual(['message.complained', 'suppression.removed']);

    const list = await cli('webhooks', 'list');
    expect(list.out).toMatch(
      new RegExp(`^${endpoint.id} +yes +message.complained,suppression.removed +http://127`, 'm'),
    );
    expect(list.out).not.toContain(endpoint.secret);

    const tested = await cli('webhooks', 'test', endpoint.id);
    expect(tested).toMatchObject({ code: 0, err: '' });
    expect(tested.out).toMatch(/^answered 200 in \d+ ms\n$/);
    expect(receiver.events().map((event) => event.type)).toContain('webhook.test');
    receiver.answers = [500];
    const failed = await cli('webhooks', 'test', endpoint.id);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/^failed: answered 500/);

    await expect(cli('webhooks', 'remove', endpoint.id)).resolves.toEqual({
      code: 0,
      out: `removed ${endpoint.id}\n`,
      err: '',
    });
    const listed = JSON.parse((await cli('--json', 'webhooks', 'list')).out) as {
      webhooks: { id: string }[];
    };
    expect(listed.webhooks.map((each) => each.id)).not.toContain(endpoint.id);
    const again = await cli('webhooks', 'remove', endpoint.id);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^WEBHOOK_NOT_FOUND: /);
  });

  it('exits 1 with the API message for a refused send and for a wrong key', async () => {
    const refused = await cli(
      'send',
      '--from',
      'not an address',
      '--to',
      'a@example.org',
      '--subject',
      's',
      '--text',
      't',
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^INVALID_MESSAGE: .*from/);
    expect(refused.out).toBe('');

    const wrongKey = await runAs(['--url', url, '--key', 'not-the-key', 'stats']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toMatch(/^UNAUTHORIZED: /);
  });

  it('shows the sending state, the counts and the reputation', async () => {
    const stats = await cli('stats');
    expect(stats.code).toBe(0);
    expect(stats.out).toMatch(/^Send rate ceiling: /m);
    expect(stats.out).toMatch(/^Paused: +no$/m);
    expect(stats.out).toMatch(/^LAST +SENT +DELIVERED +BOUNCED/m);
    expect(stats.out).toMatch(/^24 hours +\d+ +\d+ /m);
    const json = JSON.parse((await cli('--json', 'stats')).out) as {
      sending: Record<string, unknown>;
      ranges: Array<{ name: string; counts: Record<string, number> }>;
    };
    expect(json.sending).toHaveProperty('stale');
    expect(json.ranges.map((range) => range.name)).toEqual(['hour', '24 hours']);

    const reputation = await cli('reputation');
    expect(reputation.code).toBe(0);
    expect(reputation.out).toMatch(/^State: +healthy/m);
    expect(reputation.out).toMatch(/^WINDOW +SENT +DELIVERED +BOUNCED +COMPLAINED +BOUNCE RATE/m);
    expect(reputation.out).toMatch(/^24h +\d+/m);
    expect(reputation.out).toMatch(/^7d +\d+/m);
    const figures = JSON.parse((await cli('--json', 'reputation')).out) as Record<string, unknown>;
    expect(figures).toMatchObject({ state: 'healthy', windows: { '24h': {}, '7d': {} } });
  });

  it('exits 3 when nothing listens at the URL', async () => {
    const port = await freePort();
    const run = await runAs(['--url', `http://127.0.0.1:${port}`, '--key', API_KEY, 'stats']);
    expect(run).toEqual({
      code: 3,
      out: '',
      err: `error: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`,
    });
  });

  it("runs as a process: the bin prints its version, and its exit code is the command's", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
      bin: Record<string, string>;
    };
    expect(pkg.bin.ases).toBe('dist/cli/main.js');
    await expect(runBin(['--version'])).resolves.toEqual({
      code: 0,
      out: `${pkg.version}\n`,
      err: '',
    });
    const missing = await runBin(['--url', url, '--key', API_KEY, 'status', 'no-such-message']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^MESSAGE_NOT_FOUND: /);
  });
});
