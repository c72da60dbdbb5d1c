import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { AsesApiClient, FetchPort } from './api-client';
import { ExitCode } from './cli-errors';
import { resolveConnection } from './connection';
import type { ReadFile } from './send-input';
import { toJson } from './output';

/** A stream the CLI writes to (process.stdout, or a test's buffer). */
export interface TextSink {
  write(text: string): unknown;
}

/** What the CLI takes from the world; `runCli` fills in the real ones for what is absent. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: TextSink;
  stderr: TextSink;
  fetch?: FetchPort;
  readFile?: ReadFile;
  /** `watch`'s wait between reads. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The options every command takes (declared on the program). */
export interface GlobalFlags {
  url?: string;
  key?: string;
  json?: boolean;
}

/** One run of the CLI: its io, the exit code the commands set, and the API client. */
export class CliSession {
  /** What `runCli` returns when the command ends without an error. */
  exitCode: ExitCode = ExitCode.OK;
  readonly readFile: ReadFile;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  private noted = false;

  constructor(private readonly io: CliIo) {
    this.readFile = io.readFile ?? ((path) => readFile(path));
    this.sleep = io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = io.now ?? Date.now;
  }

  /** The client for the server and key of `command`'s global flags. */
  client(command: Command): AsesApiClient {
    const connection = resolveConnection(command.optsWithGlobals<GlobalFlags>(), this.io.env);
    if (connection.note && !this.noted) {
      this.noted = true;
      this.error(connection.note);
    }
    return new AsesApiClient(connection.url, connection.key, this.io.fetch);
  }

  /** Whether `--json` was given. */
  json(command: Command): boolean {
    return command.optsWithGlobals<GlobalFlags>().json === true;
  }

  /** Prints `value` as JSON with --json, else what `human` makes of it. */
  show<T>(command: Command, value: T, human: (value: T) => string): void {
    this.print(this.json(command) ? toJson(value) : human(value));
  }

  /** A line (or lines) on stdout. */
  print(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A line (or lines) on stderr: notes and errors, never data. */
  error(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}
