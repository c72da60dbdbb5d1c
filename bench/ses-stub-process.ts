import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { exited, isRunning, stopChild, forkReady } from './children';
import { SesStub, SesStubOptions, StubFailure, StubSendRecord } from './ses-stub';

const START_TIMEOUT_MS = 30_000;
const LOOP_DELAY_RESOLUTION_MS = 10;
/** How often the child reports its counts and the ids it accepted since. */
const COUNTS_INTERVAL_MS = 500;

/** The options that can cross to the child process (functions cannot). */
export type SesStubProcessOptions = Omit<SesStubOptions, 'random'>;

/** Event-loop delay of the stub while it ran, in ms: how late a send may be timestamped. */
export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
}

/** What the stub saw, handed over when it stops. */
export interface StubReport {
  sends: StubSendRecord[];
  loopDelay: LoopDelay;
}

type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'counts'; sends: number; ok: number; okIds: string[] }
  | ({ type: 'report' } & StubReport);

type ParentMessage = { type: 'stop' } | { type: 'fail'; failure: StubFailure | null };

/**
 * The SES stub in a process of its own. The stub timestamps each send when its event loop gets to
 * it; sharing a loop with the harness, which reads thousands of Redis records at a time, bunched
 * the timestamps behind every stall into bursts that never happened.
 */
export class SesStubProcess {
  private latest = { sends: 0, ok: 0 };
  private readonly accepted = new Map<string, number>();
  private report?: Promise<StubReport>;

  private constructor(
    /** The endpoint, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'counts') {
        this.latest = { sends: message.sends, ok: message.ok };
        for (const id of message.okIds) {
          this.accepted.set(id, (this.accepted.get(id) ?? 0) + 1);
        }
      }
    });
  }

  /** Starts the child (`cwd`: the repository root, where ts-node is installed). */
  static async start(options: SesStubProcessOptions, cwd: string): Promise<SesStubProcess> {
    const { child, url } = await forkReady(
      __filename,
      [JSON.stringify(options)],
      cwd,
      'the SES stub',
      START_TIMEOUT_MS,
    );
    return new SesStubProcess(url, child);
  }

  /** Sends so far and how many SES accepted, as of the last report (every 500 ms). */
  counts(): { sends: number; ok: number } {
    return this.latest;
  }

  /** How many times SES accepted each id so far, as of the last report (every 500 ms). */
  acceptedById(): ReadonlyMap<string, number> {
    return this.accepted;
  }

  /** Makes the stub answer every send with `failure` from now on (null: back to normal). */
  setFailure(failure: StubFailure | null): void {
    this.child.send({ type: 'fail', failure } satisfies ParentMessage);
  }

  /** Stops the server (connections still open are cut); resolves to what it saw. */
  stop(): Promise<StubReport> {
    this.report ??= (async () => {
      if (!isRunning(this.child)) {
        throw new Error('the SES stub exited before it was stopped; its sends are lost');
      }
      const report = new Promise<StubReport>((resolve, reject) => {
        this.child.on('message', (message: ChildMessage) => {
          if (message.type === 'report') {
            resolve({ sends: message.sends, loopDelay: message.loopDelay });
          }
        });
        this.child.once('exit', () => reject(new Error('the SES stub exited without a report')));
      });
      this.child.send({ type: 'stop' } satisfies ParentMessage);
      const result = await report;
      await exited(this.child);
      return result;
    })();
    return this.report;
  }

  /** Kills the child if it still runs: the cleanup after a failed run. */
  async close(): Promise<void> {
    await stopChild(this.child, 'SIGTERM', 2000);
  }
}

function runChild(): void {
  const options = JSON.parse(process.argv[2] ?? '{}') as SesStubProcessOptions;
  const stub = new SesStub(options);
  const delay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  delay.enable();
  const post = (message: ChildMessage, then?: () => void): void => {
    process.send?.(message, undefined, {}, () => then?.());
  };
  const stop = async (): Promise<void> => {
    await stub.stop();
    delay.disable();
    // The histogram holds whole timer periods, the resolution included.
    const late = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
    const loopDelay = { p99Ms: late(delay.percentile(99)), maxMs: late(delay.max) };
    // Exit once the report is written to the channel, not before: it may take a while.
    post({ type: 'report', sends: stub.sends, loopDelay }, () => process.exit(0));
  };
  // The harness is gone (however it died): nobody will read the report.
  process.on('disconnect', () => process.exit(0));
  stub.start().then(
    (url) => {
      post({ type: 'ready', url });
      const timer = setInterval(
        () => post({ type: 'counts', ...stub.counts(), okIds: stub.takeNewlyAccepted() }),
        COUNTS_INTERVAL_MS,
      );
      process.on('message', (message: ParentMessage) => {
        switch (message.type) {
          case 'fail':
            stub.setFailure(message.failure);
            break;
          case 'stop':
            clearInterval(timer);
            void stop();
            break;
        }
      });
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

if (require.main === module) {
  runChild();
}
