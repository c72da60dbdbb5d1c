import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

interface PackedFile {
  path: string;
}

/**
 * What `npm pack` puts in the tarball, by npm's own reading of package.json's `files`: a copy of
 * package.json and LICENSE beside a dist/ with one file of each kind a build makes (no build
 * needed).
 */
describe('the npm package', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ases-pack-'));
    for (const file of ['package.json', 'LICENSE', 'README.md']) {
      copyFileSync(join(ROOT, file), join(dir, file));
    }
    const built = [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.js.map',
      'dist/cli/main.js',
      'dist/status/lua/status-apply-1.lua',
      'dist/dashboard/assets/dashboard.js',
      'dist/main.js',
      'dist/main.js.map',
      'dist/main.d.ts',
      'dist/app.module.js',
      'dist/tsconfig.build.tsbuildinfo',
    ];
    for (const file of built) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), '//\n');
    }
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships the library, its CLI, its Lua scripts and assets, and the LICENSE; not the standalone service or build info', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: dir,
    });
    const [packed] = JSON.parse(stdout) as Array<{ files: PackedFile[] }>;
    expect(packed.files.map((file) => file.path).sort()).toEqual([
      'LICENSE',
      'README.md',
      'dist/cli/main.js',
      'dist/dashboard/assets/dashboard.js',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/index.js.map',
      'dist/status/lua/status-apply-1.lua',
      'package.json',
    ]);
  });

  it('claims the license its LICENSE file grants', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });

  it('builds source maps that carry their sources (the package ships no src/)', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { inlineSources?: boolean };
    };
    expect(build.compilerOptions.inlineSources).toBe(true);
  });
});
