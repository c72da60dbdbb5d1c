import { spawn } from 'node:child_process';

/** A scrape in the Prometheus text format: each series' value, and each family's type. */
export interface Scrape {
  /** By series as written: `name` or `name{label="value",...}`. */
  samples: Map<string, number>;
  /** By family name: counter, gauge, histogram... */
  types: Map<string, string>;
}

/** Reads the Prometheus text exposition format (as prom-client writes it). */
export function parseMetrics(text: string): Scrape {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
    } else if (line !== '' && !line.startsWith('#')) {
      const at = line.lastIndexOf(' ');
      samples.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
  }
  return { samples, types };
}

/** The series of one family (a histogram's `_bucket`, `_sum` and `_count` too). */
export function seriesOf(scrape: Scrape, family: string): string[] {
  const pattern = new RegExp(`^${family}(_bucket|_sum|_count)?({|$)`);
  return [...scrape.samples.keys()].filter((series) => pattern.test(series));
}

/** The sum of a family's series whose labels include every `label="value"` given; 0 when none. */
export function sumOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  let sum = 0;
  for (const [series, value] of scrape.samples) {
    const brace = series.indexOf('{');
    const seriesName = brace < 0 ? series : series.slice(0, brace);
    const seriesLabels = brace < 0 ? [] : series.slice(brace + 1, -1).split(',');
    if (seriesName === name && wanted.every((pair) => seriesLabels.includes(pair))) {
      sum += value;
    }
  }
  return sum;
}

/**
 * Runs Prometheus's linter, `promtool check metrics`, on a scrape's text: exit code 0 and no
 * output mean no problem. Fails when promtool is not installed (scripts/ensure-promtool.sh).
 */
export function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics']);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('promtool is not installed: run scripts/ensure-promtool.sh')
          : error,
      ),
    );
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
