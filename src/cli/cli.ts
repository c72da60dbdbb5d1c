import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addCommands } from './cli-commands';
import { failureOf } from './cli-errors';
import { CliIo, CliSession } from './cli-session';
import { DEFAULT_URL } from './connection';

export { ExitCode } from './cli-errors';
export type { CliIo } from './cli-session';

const EXIT_CODES = `
Environment:
  ASES_URL      the server (default ${DEFAULT_URL})
  ASES_API_KEY  the API key (without one, a localhost server is tried with local-dev-key)

Exit codes:
  0  done            1  the API answered an error (CODE: message on stderr)
  2  usage error     3  the server cannot be reached
  4  watch: the message was not delivered (bounced, complained, failed, suppressed, canceled)
  5  watch: --timeout passed`;

/**
 * Runs `ases <argv…>` against the REST API and returns the exit code; never throws and never
 * exits the process (the bin entry does). Everything it reads and writes goes through `io`.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const session = new CliSession(io);
  const program = new Command('ases')
    .description('Command-line client of the ases REST API')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--url <url>', `the ases server (env ASES_URL; default ${DEFAULT_URL})`)
    .option('--key <key>', 'API key (env ASES_API_KEY)')
    .option('--json', 'print JSON for scripts instead of tables')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES)
    // Set before the commands are added: subcommands copy them when created.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  addCommands(program, session);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return session.exitCode;
  } catch (error) {
    const failure = failureOf(error);
    if (failure.message !== '') {
      session.error(failure.message);
    }
    return failure.code;
  }
}

/** The package's version, read from package.json beside `dist/` (or `src/`). */
function packageVersion(): string {
  try {
    const text = readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
