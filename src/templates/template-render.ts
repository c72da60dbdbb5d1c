import { Context, Writer } from 'mustache';
import type { OpeningAndClosingTags, PartialsOrLookupFn, RenderOptions } from 'mustache';
import { RESERVED_KEYS } from '../core/request-validation';
import { CONTROL_CHARACTER, hasLoneSurrogate } from '../core/unsafe-text';
import { MAX_HTML_BYTES, MAX_SUBJECT_LENGTH, MAX_TEXT_BYTES } from '../mailer/dto/send-message.dto';

/** The parts of a template, each a Mustache template of its own. */
export type TemplatePart = 'subject' | 'html' | 'text';

/** Every {@link TemplatePart}, in the order problems are reported. */
export const TEMPLATE_PARTS: readonly TemplatePart[] = ['subject', 'html', 'text'];

/** The sources of a template (html, text or both), or what rendering them gave. */
export interface TemplateParts {
  subject: string;
  html?: string;
  text?: string;
}

/** What {@link renderTemplate} gives: the rendered parts, or every problem found. */
export type RenderResult =
  { ok: true; rendered: TemplateParts } | { ok: false; problems: string[] };

/**
 * Most tokens one part may visit while rendering (each token of each section pass counts). Bounds
 * the work of nested sections over long lists, which may render little yet loop for long.
 */
export const MAX_RENDER_STEPS = 250_000;

/** Most problems one render reports; the rest are counted. */
export const MAX_RENDER_PROBLEMS = 20;

// Passed everywhere so a host that changes Mustache.tags globally changes nothing here.
const TAGS: OpeningAndClosingTags = ['{{', '}}'];

/** The longest each part may render to: characters for the subject, UTF-8 bytes for the bodies. */
const LIMITS: Record<TemplatePart, { max: number; unit: string }> = {
  subject: { max: MAX_SUBJECT_LENGTH, unit: 'characters' },
  html: { max: MAX_HTML_BYTES, unit: 'bytes (UTF-8)' },
  text: { max: MAX_TEXT_BYTES, unit: 'bytes (UTF-8)' },
};

// Mustache's own table, copied so a host that replaces Mustache.escape changes nothing here.
const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '/': '&#x2F;',
  '`': '&#x60;',
  '=': '&#x3D;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=/]/g, (c) => HTML_ENTITIES[c]);
}

/** A parsed Mustache token: [type, value, start, end, children?, sectionEnd?]. */
type Token = [string, string, number, number, Token[]?, number?];

/** A Writer without the default template cache, which keeps every template it parses forever. */
function uncachedWriter(writer: Writer): Writer {
  (writer as unknown as { templateCache: unknown }).templateCache = undefined;
  return writer;
}

/** `Unclosed tag at 12` → `Unclosed tag at 12 (line 1, column 13)`. */
function withLineAndColumn(message: string, source: string): string {
  const match = /at (\d+)$/.exec(message);
  if (!match) {
    return message;
  }
  const offset = Math.min(Number(match[1]), source.length);
  const before = source.slice(0, offset).split(/\r\n|\r|\n/);
  return `${message} (line ${before.length}, column ${before[before.length - 1].length + 1})`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What is wrong with one part of a template, as `<part>: <problem>`: a Mustache syntax error
 * (with its offset, line and column), a partial (`{{> name}}`: ases has none to offer), or a name
 * whose segment every JavaScript object has (`{{constructor}}`, `{{user.toString}}`), which
 * Mustache would find on any object and render as code. Empty when the part is fine.
 */
export function templateProblems(part: TemplatePart, source: string): string[] {
  let tokens: Token[];
  try {
    tokens = uncachedWriter(new Writer()).parse(source, TAGS) as Token[];
  } catch (error) {
    return [`${part}: ${withLineAndColumn(errorMessage(error), source)}`];
  }
  return tokenProblems(part, tokens, source);
}

function tokenProblems(part: TemplatePart, tokens: Token[], source: string): string[] {
  const problems: string[] = [];
  const stack = [...tokens];
  for (let token = stack.pop(); token !== undefined; token = stack.pop()) {
    const [type, name, start] = token;
    const at = withLineAndColumn(`at ${start}`, source);
    if (type === '>') {
      problems.push(`${part}: partials ({{> ${name}}}) are not supported, ${at}`);
    } else if (['name', '&', '#', '^'].includes(type) && name !== '.') {
      const reserved = name.split('.').find((segment) => RESERVED_KEYS.has(segment));
      if (reserved !== undefined) {
        problems.push(
          `${part}: "${name}" ${at} uses "${reserved}", a property every JavaScript object has; ` +
            'choose another name',
        );
      }
    }
    stack.push(...(token[4] ?? []));
  }
  // The stack walks the tokens backwards: report them in the order they appear.
  return problems.reverse();
}

/** Thrown inside a render that went past its size or step limit, to stop it at once. */
class RenderLimitReached extends Error {}

/**
 * Renders one part strictly: every value a variable tag inserts must be a string, number or
 * boolean found by Mustache's own lookup; anything else is recorded as a problem instead of being
 * rendered as an empty string or `[object Object]`.
 */
class StrictWriter extends Writer {
  readonly problems = new Set<string>();
  private produced = 0;
  private steps = 0;

  constructor(
    private readonly part: TemplatePart,
    private readonly escape: (value: string) => string,
  ) {
    super();
    uncachedWriter(this);
  }

  override renderTokens(
    tokens: string[][],
    context: Context,
    partials?: PartialsOrLookupFn,
    originalTemplate?: string,
    config?: RenderOptions,
  ): string {
    this.steps += tokens.length;
    if (this.steps > MAX_RENDER_STEPS) {
      throw new RenderLimitReached(
        `${this.part} takes more than ${MAX_RENDER_STEPS} steps to render: ` +
          'its sections loop over too many items',
      );
    }
    return super.renderTokens(tokens, context, partials, originalTemplate, config);
  }

  override rawValue(token: string[]): string {
    return this.emit(token[1]);
  }

  override escapedValue(token: string[], context: Context): string {
    const value = this.insertable(token[1], context);
    return value === undefined ? '' : this.emit(this.escape(value));
  }

  override unescapedValue(token: string[], context: Context): string {
    const value = this.insertable(token[1], context);
    return value === undefined ? '' : this.emit(value);
  }

  /** Counts what the part has produced so far: each piece ends up in the output exactly once. */
  private emit(text: string): string {
    this.produced += text.length;
    const { max, unit } = LIMITS[this.part];
    // A UTF-16 code unit is never more than its UTF-8 bytes, so this never stops a render early.
    if (this.produced > max) {
      throw new RenderLimitReached(`${this.part} renders to more than ${max} ${unit}`);
    }
    return text;
  }

  private insertable(name: string, context: Context): string | undefined {
    const value: unknown = context.lookup(name);
    let text: string;
    if (value === undefined || value === null) {
      this.problems.add(`missing value for "${name}" used in ${this.part}`);
      return undefined;
    } else if (typeof value === 'string') {
      text = value;
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      text = String(value);
    } else {
      this.problems.add(
        `value for "${name}" used in ${this.part} must be a string, number or boolean, ` +
          `not ${Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`}`,
      );
      return undefined;
    }
    if (this.part === 'subject' && CONTROL_CHARACTER.test(text)) {
      this.problems.add(
        `value for "${name}" used in subject must not contain line breaks or other control ` +
          'characters',
      );
    }
    if (hasLoneSurrogate(text)) {
      this.problems.add(
        `value for "${name}" used in ${this.part} must be valid Unicode: it holds a lone UTF-16 ` +
          'surrogate',
      );
    }
    return text;
  }
}

function renderPart(
  part: TemplatePart,
  source: string,
  data: Record<string, unknown>,
): { output: string; problems: string[] } {
  const writer = new StrictWriter(part, part === 'html' ? escapeHtml : (value) => value);
  let output = '';
  try {
    const tokens = writer.parse(source, TAGS) as Token[];
    // Checked when stored; checked again for a template stored by hand, on the same tokens.
    const refused = tokenProblems(part, tokens, source);
    if (refused.length > 0) {
      return { output: '', problems: refused };
    }
    output = writer.renderTokens(tokens as string[][], new Context(data), undefined, source, {
      tags: TAGS,
    });
  } catch (error) {
    // A limit stops the render; a syntax error can only come from a template stored by hand.
    const message = errorMessage(error);
    const problem =
      error instanceof RenderLimitReached
        ? message
        : `${part}: ${withLineAndColumn(message, source)}`;
    return { output: '', problems: [...writer.problems, problem] };
  }
  const problems = [...writer.problems];
  if (problems.length > 0) {
    return { output, problems };
  }
  if (part !== 'subject' && Buffer.byteLength(output, 'utf8') > LIMITS[part].max) {
    problems.push(`${part} renders to more than ${LIMITS[part].max} ${LIMITS[part].unit}`);
  }
  if (part === 'subject' && CONTROL_CHARACTER.test(output)) {
    // The values were checked; only a subject stored by hand could bring one in.
    problems.push('subject renders with a line break or other control character');
  }
  if (!/\S/.test(output)) {
    problems.push(`${part} renders empty: give the values that fill it`);
  }
  return { output, problems };
}

/**
 * Renders a template with `data`, the way Mustache does, but strictly:
 * - The template must pass {@link templateProblems} (checked again here, for one stored by hand).
 * - `html` HTML-escapes what `{{name}}` inserts (`{{{name}}}` and `{{& name}}` insert it as is);
 *   `subject` and `text` never escape (a subject "Tom & Jerry" stays as it is).
 * - Every variable tag must find its name (dotted names too) by Mustache's lookup: inside a
 *   section, in the current item first, then outwards up to `data`. Absent, null or undefined is a
 *   problem (`missing value for "firstName" used in subject`); so is an object or an array, which
 *   Mustache would render as `[object Object]` or a comma list. Section and inverted-section names
 *   may be absent: that is how a template says "if" (absent = false, `{{^x}}` renders).
 * - A value inserted into the subject must not hold a line break or other control character; no
 *   value may hold a lone surrogate.
 * - Each part must render within its size limit (subject 998 characters, html 128 KiB, text 64
 *   KiB) and to something more than blanks; rendering stops at the limit, or after
 *   {@link MAX_RENDER_STEPS} tokens, so nested sections over long lists cannot run for long.
 *
 * Pure: returns every problem (each once, at most {@link MAX_RENDER_PROBLEMS}) instead of throwing.
 */
export function renderTemplate(
  template: TemplateParts,
  data: Record<string, unknown>,
): RenderResult {
  const rendered: TemplateParts = { subject: '' };
  const problems: string[] = [];
  for (const part of TEMPLATE_PARTS) {
    const source = template[part];
    if (source === undefined) {
      continue;
    }
    const result = renderPart(part, source, data);
    rendered[part] = result.output;
    problems.push(...result.problems);
  }
  if (problems.length > MAX_RENDER_PROBLEMS) {
    const more = problems.length - MAX_RENDER_PROBLEMS;
    return {
      ok: false,
      problems: [...problems.slice(0, MAX_RENDER_PROBLEMS), `and ${more} more`],
    };
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rendered };
}
