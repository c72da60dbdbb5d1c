/**
 * Characters a header field must not hold: C0 controls but tab (CR and LF above all: header
 * injection), DEL, the C1 controls (U+0085 is a line break to some parsers) and the Unicode line and
 * paragraph separators (U+2028, U+2029), which break lines in mail clients and JavaScript alike.
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/;

// Without the `u` flag the pattern sees UTF-16 code units, which is what a lone surrogate is.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a string holds half of a UTF-16 surrogate pair. JSON can carry one (`"\ud800"`), but no
 * UTF-8 encoding can: the SQS body, Redis and the MIME message would each turn it into U+FFFD or
 * refuse it, and some libraries (encodeURI) throw.
 */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}
