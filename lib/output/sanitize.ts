// Terminal safety for strings that came from the wire (SNI, ALPN, certificate names, CA names, quoted input
// lines): every character that a terminal would act on instead of printing is replaced by a visible escape.
// Used by the text output and the report; NDJSON and ECS are JSON, whose encoder escapes C0 itself.

/**
 * Characters replaced, and why:
 * - C0 controls U+0000–U+001F (ESC starts escape sequences, BEL rings, CR/LF rewrite lines, NUL) and DEL U+007F;
 * - C1 controls U+0080–U+009F (U+009B is a one-character CSI on terminals that honour 8-bit controls);
 * - Unicode bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which reorder what
 *   follows them on screen ("Trojan Source", CVE-2021-42574);
 * - the line and paragraph separators U+2028 and U+2029, and the byte-order mark U+FEFF.
 * A replaced character reads `\xHH` (up to U+00FF) or `\u{HHHH}`. Backslashes are left alone, so a `\` in a name
 * is not doubled: the escapes are for the eye and the terminal, not a reversible encoding.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/gu;

function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
}

/** The string with every terminal control character replaced by a visible escape. */
export function sanitize(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/** Whether a string holds a character that `sanitize` would replace. */
export function hasUnsafe(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const r = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return r;
}

/** Any value shown to a person, as sanitised text: strings as they are, the rest through String(). */
export function show(v: unknown): string {
  return sanitize(typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
}
