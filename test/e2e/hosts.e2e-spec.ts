import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteKeys } from '../helpers/test-app';
import { TEST_REDIS_URL } from '../helpers/test-redis';

const ROOT = join(__dirname, '..', '..');
const HOSTS_DIR = join(ROOT, 'test', 'hosts');
/** Install, compile and run of one host; the install alone takes a minute on a cold cache. */
const HOST_TIMEOUT_MS = 8 * 60_000;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never rejects, so that a failure can show what the command printed. */
function run(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({
          code,
          stdout,
          stderr: error && code === -1 ? `${stderr}\n${error.message}` : stderr,
        });
      },
    );
  });
}

/** Fails with the command's output unless it exited 0. */
async function runOk(
  what: string,
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${what} (${file} ${args.join(' ')}) exited ${result.code}\n` +
        `--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

/**
 * The environment of a host's commands: this machine's, without what the test run or `npm test`
 * set (AWS endpoints of the shared local stack, npm_* of the parent npm, ases settings), so that
 * the host reaches only what it configures itself.
 */
function hostEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      !/^(AWS_|npm_|ASES_|LOCAL_|SES_|S3_|REDIS_|API_KEYS|TRACKING_|JEST_|INIT_CWD$)/.test(name)
    ) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}

/** Every installed copy of a package in an app's node_modules tree. */
function installedCopies(appDir: string, name: string): string[] {
  const found: string[] = [];
  const visit = (nodeModules: string): void => {
    if (!existsSync(nodeModules)) {
      return;
    }
    for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
      if (!entry.isDirectory()) {
        continue;
      }
      const packages = entry.name.startsWith('@')
        ? readdirSync(join(nodeModules, entry.name)).map((inner) => `${entry.name}/${inner}`)
        : [entry.name];
      for (const pkg of packages) {
        if (pkg === name) {
          found.push(join(nodeModules, pkg));
        }
        visit(join(nodeModules, pkg, 'node_modules'));
      }
    }
  };
  visit(join(appDir, 'node_modules'));
  return found;
}

/**
 * The local stack's emulators are optional dependencies of ases; on Node 20 npm leaves fauxqs out
 * (a dependency of its needs Node 22), so a Node 20 host installs them itself, as the README says.
 */
function emulatorsToInstall(): string[] {
  if (Number(process.versions.node.split('.')[0]) >= 22) {
    return [];
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    optionalDependencies: Record<string, string>;
  };
  return Object.entries(pkg.optionalDependencies).map(([name, range]) => `${name}@${range}`);
}

/**
 * ases as a host app gets it from npm: `npm pack`, then a Nest 11 app and a Nest 12 app (ES
 * modules) from test/hosts/ install the tarball without a peer dependency warning, compile
 * against its types, start the local stack from the installed package (the bin, and
 * startLocalStack()), serve their own /health, send a mail to the SES mailbox simulator and
 * receive its delivered event in their own @OnEvent handler. The hosts use the one Redis server,
 * so the Redis Cluster project leaves this file out (jest.config.js).
 */
describe('ases installed in host apps', () => {
  let workDir: string;
  let tarball: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
      throw new Error(
        'dist/ is missing: run `npm run build` before the host tests (npm pack ships dist/)',
      );
    }
    workDir = mkdtempSync(join(tmpdir(), 'ases-hosts-'));
    const { stdout } = await runOk(
      'npm pack',
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', workDir],
      { cwd: ROOT, env: hostEnv({}), timeoutMs: 120_000 },
    );
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    tarball = join(workDir, packed.filename);
  }, 180_000);

  afterAll(() => {
    if (workDir) {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it.each(['nest11', 'nest12'])(
    'a %s host installs the tarball, compiles, and receives the delivered event of its mail',
    async (host) => {
      const dir = join(workDir, host);
      cpSync(join(HOSTS_DIR, host), dir, {
        recursive: true,
        filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
      });
      const keyPrefix = `ases-host-${host}:${randomBytes(4).toString('hex')}:`;
      const env = hostEnv({ HOST_REDIS_KEY_PREFIX: keyPrefix, REDIS_URL: TEST_REDIS_URL });
      try {
        const install = await runOk(
          'npm install',
          'npm',
          [
            'install',
            '--no-audit',
            '--no-fund',
            '--prefer-offline',
            tarball,
            ...emulatorsToInstall(),
          ],
          { cwd: dir, env, timeoutMs: 5 * 60_000 },
        );
        // No peer range overridden: ours fit each Nest, and the Nest 12 host's overrides are enough.
        expect(install.stderr).not.toContain('ERESOLVE');
        await runOk('tsc', 'npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], {
          cwd: dir,
          env,
          timeoutMs: 2 * 60_000,
        });
        // One Nest, the host's: ases brings no copy of its own.
        for (const name of ['@nestjs/common', '@nestjs/core', '@nestjs/event-emitter']) {
          expect(installedCopies(dir, name)).toEqual([join(dir, 'node_modules', name)]);
        }
        const installed = JSON.parse(
          readFileSync(join(dir, 'node_modules', '@nestjs', 'core', 'package.json'), 'utf8'),
        ) as { version: string };
        expect(installed.version.split('.')[0]).toBe(host.replace('nest', ''));

        // The host's own timeout is 60 s; this one only catches a host that never exits.
        const { stdout } = await runOk('the host', process.execPath, ['dist/main.js'], {
          cwd: dir,
          env,
          timeoutMs: 90_000,
        });
        expect(stdout).toContain(`${host}: GET /health {"status":"ok","host":"${host}"}`);
        expect(stdout).toContain(`${host}: GET /mail/health 200`);
        const sent = /: sent (\S+)/.exec(stdout)?.[1];
        expect(sent).toBeDefined();
        expect(stdout).toContain(`${host}: delivered event ${sent} status DELIVERED`);
        expect(stdout).toContain(`${host}: OK`);
      } finally {
        await deleteKeys(keyPrefix);
      }
    },
    HOST_TIMEOUT_MS,
  );
});
