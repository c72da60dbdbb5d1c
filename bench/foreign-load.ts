import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: 100 on every mainstream Linux build; Node cannot ask sysconf for it.
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcessTicks {
  ppid: number;
  ticks: number;
}

/** utime + stime and the parent of a process from `/proc/<pid>/stat`; null when it is gone. */
function readTicks(pid: number): ProcessTicks | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses; the fields after it do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU seconds (user + system, all threads) a process has used so far; null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  const ticks = readTicks(pid);
  return ticks === null ? null : ticks.ticks / CLOCK_TICKS_PER_SECOND;
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/**
 * Measures the CPU that processes other than the bench's own (this harness, its descendants and
 * the Redis server) use during a run. The bench shares a small machine; a compiler or test run of
 * someone else's skews every figure, and this says by how much. Linux only: elsewhere it reports
 * null.
 */
export class ForeignLoadSampler {
  private readonly previous = new Map<number, number>();
  private foreignTicks = 0;
  private startedAt = 0;
  private timer?: NodeJS.Timeout;
  private readonly supported: boolean;

  /** `ownPids`: processes that belong to the bench although they are not its descendants. */
  constructor(private readonly ownPids: readonly number[]) {
    this.supported = process.platform === 'linux';
  }

  /** Starts sampling once a second. */
  start(): void {
    if (!this.supported) {
      return;
    }
    this.startedAt = Date.now();
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), 1000);
    this.timer.unref();
  }

  /** Stops; resolves to the average number of cores the other processes kept busy. */
  stop(): number | null {
    if (!this.supported || this.timer === undefined) {
      return null;
    }
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample(false);
    const seconds = (Date.now() - this.startedAt) / 1000;
    return seconds > 0 ? this.foreignTicks / CLOCK_TICKS_PER_SECOND / seconds : null;
  }

  private sample(baseline: boolean): void {
    const processes = new Map<number, ProcessTicks>();
    for (const pid of allPids()) {
      const ticks = readTicks(pid);
      if (ticks) {
        processes.set(pid, ticks);
      }
    }
    const own = new Set<number>([process.pid, ...this.ownPids]);
    const isOwn = (pid: number): boolean => {
      for (let current = pid, hops = 0; current > 1 && hops < 64; hops += 1) {
        if (own.has(current)) {
          return true;
        }
        current = processes.get(current)?.ppid ?? 0;
      }
      return false;
    };
    for (const [pid, { ticks }] of processes) {
      // A process born since the last sample used all its ticks inside the run.
      const before = this.previous.get(pid) ?? (baseline ? ticks : 0);
      if (!baseline && !isOwn(pid)) {
        this.foreignTicks += Math.max(0, ticks - before);
      }
      this.previous.set(pid, ticks);
    }
  }
}
