// One JSON value per line, safe to print: JSON.stringify escapes C0 controls, and this also escapes DEL, the C1
// controls, Unicode bidirectional controls and the line/paragraph separators as \uXXXX. These can only occur
// inside JSON strings, so the escaped line parses to the same value.

const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/g;

export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_JSON, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n';
}
