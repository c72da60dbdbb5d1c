import { clock } from './metrics';

/** One `GET /health` and its answer. */
export interface HealthSample {
  /** The app process asked (`api`, `p1`, ...). */
  target: string;
  /** Absolute ms (see `clock`). */
  sentAt: number;
  answeredAt: number;
  /** The HTTP status, or `timeout` / `error` (refused: the process is gone or not up yet). */
  status: number | 'timeout' | 'error';
}

/** A process to ask, and whether to ask it now (a killed one is not asked any more). */
export interface ProbeTarget {
  name: string;
  url: string;
  alive: () => boolean;
}

/**
 * Asks `GET /health` of each target every `intervalMs`, without waiting for the previous answer,
 * so that a health check that hangs shows as one long sample and does not stop the sampling.
 */
export class HealthProbe {
  readonly samples: HealthSample[] = [];
  private readonly pending = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly targets: () => readonly ProbeTarget[],
    private readonly intervalMs = 500,
    private readonly timeoutMs = 10_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      for (const target of this.targets()) {
        if (target.alive()) {
          const probe = this.probe(target);
          this.pending.add(probe);
          void probe.finally(() => this.pending.delete(probe));
        }
      }
    }, this.intervalMs);
  }

  /** Stops asking; resolves to every sample once the last answers are in (or timed out). */
  async stop(): Promise<HealthSample[]> {
    clearInterval(this.timer);
    await Promise.all([...this.pending]);
    return this.samples.sort((a, b) => a.sentAt - b.sentAt);
  }

  private async probe(target: ProbeTarget): Promise<void> {
    const sentAt = clock();
    let status: HealthSample['status'];
    try {
      const response = await fetch(`${target.url}/health`, {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch (error) {
      status = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'error';
    }
    this.samples.push({ target: target.name, sentAt, answeredAt: clock(), status });
  }
}
