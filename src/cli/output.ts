/** A table column: its heading, and the width past which a cell is cut with `…`. */
export interface Column {
  header: string;
  maxWidth?: number;
}

/** A cell or field value; undefined and null print as empty. */
export type Cell = string | number | boolean | undefined | null;

// Values come from the server and, through it, from mail headers and remote SMTP servers: no
// control character (an ANSI escape, a line break) reaches the terminal as it is.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A value as one line of plain text. */
export function plain(value: Cell): string {
  return value === undefined || value === null ? '' : String(value).replace(CONTROL, ' ');
}

/** `text` cut to `max` characters, ending with `…` when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Rows under their headings, columns two spaces apart and padded to the widest cell. */
export function formatTable(columns: Column[], rows: Cell[][]): string {
  const cells = rows.map((row) =>
    columns.map((column, index) => {
      const text = plain(row[index]);
      return column.maxWidth === undefined ? text : truncate(text, column.maxWidth);
    }),
  );
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((row) => row[index].length)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, index) => cell.padEnd(widths[index]))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join('\n');
}

/** `Label:  value` lines, labels aligned; fields without a value are left out. */
export function formatFields(fields: [string, Cell][]): string {
  const shown = fields.filter(([, value]) => plain(value) !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length + 1));
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${plain(value)}`).join('\n');
}

/** A value as indented JSON, for `--json` answers. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A value as one line of JSON, for streams (`watch --json`). */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value);
}

/** A ratio (0.0123) as a percentage with two decimals (`1.23%`). */
export function percent(ratio: number | null | undefined): string {
  return typeof ratio !== 'number' || !Number.isFinite(ratio) ? '' : `${(ratio * 100).toFixed(2)}%`;
}
