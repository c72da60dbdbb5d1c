const UNITS: ReadonlyArray<[name: string, seconds: number]> = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** A duration in words, in the largest unit that divides it: `7 days`, `36 hours`, `1 second`. */
export function describeSeconds(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const [unit, size] = UNITS.find(([, size]) => whole % size === 0 && whole >= size) ?? [
    'second',
    1,
  ];
  const amount = whole / size;
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/** The reason recorded when the soft-bounce rule suppresses: `3 transient bounces within 7 days`. */
export function transientBounceReason(count: number, withinSeconds: number): string {
  const bounces = count === 1 ? 'transient bounce' : 'transient bounces';
  return `${count} ${bounces} within ${describeSeconds(withinSeconds)}`;
}
