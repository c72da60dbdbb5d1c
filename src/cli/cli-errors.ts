import { CommanderError } from 'commander';

/** What `ases` exits with; scripts branch on these (README, _Command line_). */
export enum ExitCode {
  OK = 0,
  /** The API answered 4xx or 5xx. */
  API_ERROR = 1,
  /** A bad command line or a local input that cannot be used (an unreadable file, bad JSON). */
  USAGE = 2,
  /** No answer from the server: refused, unknown host, or nothing within the request timeout. */
  UNREACHABLE = 3,
  /** `watch`: the message ended BOUNCED, COMPLAINED, FAILED, SUPPRESSED or CANCELED. */
  NOT_DELIVERED = 4,
  /** `watch`: `--timeout` passed before the message settled. */
  TIMEOUT = 5,
}

/** A command line or local input the CLI cannot use; the message names the flag or file. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A 4xx or 5xx answer, with the `code` and `message` of ases's JSON error body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** The server could not be reached, or did not answer in time. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/** How a failure ends the command: its exit code and the lines for stderr (never a stack). */
export interface Failure {
  code: ExitCode;
  /** Empty when commander already printed its own message. */
  message: string;
}

/** Maps anything a command threw to its exit code and what to print. */
export function failureOf(error: unknown): Failure {
  if (error instanceof CommanderError) {
    // commander has written its message (or the help) already; --help and --version exit 0.
    return { code: error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE, message: '' };
  }
  if (error instanceof UsageError) {
    return { code: ExitCode.USAGE, message: `error: ${error.message}` };
  }
  if (error instanceof UnreachableError) {
    return { code: ExitCode.UNREACHABLE, message: `error: ${error.message}` };
  }
  if (error instanceof ApiError) {
    return { code: ExitCode.API_ERROR, message: apiErrorText(error) };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { code: ExitCode.API_ERROR, message: `error: ${text}` };
}

/** `CODE: message` from ases's JSON error body (its message already names every field at fault). */
export function apiErrorText(error: ApiError): string {
  return `${error.code}: ${error.message}`;
}
