const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a duration such as `500ms`, `1s`, `1.5s`, `2m`, `1h`; a bare number is
 * seconds. Null when the text is not one.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) {
    return null;
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']);
}

/** A duration in words for messages: `1.5 s`, `2 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) {
    return `${ms} ms`;
  }
  if (ms < 120_000) {
    return `${Number((ms / 1000).toFixed(1))} s`;
  }
  return `${Number((ms / 60_000).toFixed(1))} min`;
}
