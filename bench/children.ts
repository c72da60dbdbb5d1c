import { ChildProcess, fork } from 'node:child_process';

// Every child of this harness, so that the exit handler can kill what a crash left running.
const children = new Set<ChildProcess>();
let exitHandlerInstalled = false;

/** True until the child has exited. */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Makes sure the child dies with the harness, however the harness ends. */
export function trackChild(child: ChildProcess): void {
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    // 'exit' handlers must be synchronous: no graceful stop here, only a sure one.
    process.on('exit', () => {
      for (const running of children) {
        if (isRunning(running)) {
          running.kill('SIGKILL');
        }
      }
    });
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Resolves when the child has exited. */
export function exited(child: ChildProcess): Promise<void> {
  return isRunning(child)
    ? new Promise((resolve) => child.once('exit', () => resolve()))
    : Promise.resolve();
}

/** Sends `signal`, then SIGKILL if the child is still there after `timeoutMs`. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<void> {
  if (!isRunning(child)) {
    return;
  }
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited(child);
  clearTimeout(timer);
}

/**
 * Forks `file` under ts-node (`cwd`: the repository root, where ts-node is installed), tracked by
 * {@link trackChild}, and resolves once it says `{ type: 'ready', url }`; a child that exits first
 * or says nothing within `timeoutMs` is killed, and the error names it as `what`.
 */
export async function forkReady(
  file: string,
  args: string[],
  cwd: string,
  what: string,
  timeoutMs: number,
): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(file, args, {
    cwd,
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    // Structured clone instead of JSON: a child's reports hold tens of thousands of records.
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  trackChild(child);
  try {
    return { child, url: await readyUrl(child, what, timeoutMs) };
  } catch (error) {
    await stopChild(child, 'SIGKILL', 0);
    throw error;
  }
}

/**
 * Resolves to the `url` of the child's first `{ type: 'ready', url }` message; rejects when it
 * exits first or does not say it within `timeoutMs`. `what` names it in the error.
 */
function readyUrl(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start in ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    child.on('message', (message: { type?: unknown; url?: unknown }) => {
      if (message.type === 'ready' && typeof message.url === 'string') {
        clearTimeout(timer);
        resolve(message.url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} while starting`));
    });
  });
}
