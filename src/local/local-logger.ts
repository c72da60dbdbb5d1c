/** Where the local AWS stack writes what it does; `console` fits. */
export interface LocalStackLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** A logger that drops everything (the default of every local-stack part). */
export const silentLogger: LocalStackLogger = {
  log: () => undefined,
  warn: () => undefined,
};

/** The message of an unknown thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
