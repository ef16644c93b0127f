// ASN.1 character-string types → JavaScript strings, for names and alternative names. A value that is not
// valid in its declared type (bad UTF-8, a lone UTF-16 surrogate, a code point beyond U+10FFFF) gives
// undefined, and the caller shows the raw DER as #hex (RFC 4514 §2.4) instead: we never invent characters
// and never produce a lone surrogate, so every result is a valid JSON string.

import { T } from './der.js';

/** Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF. */
export function utf8(b: Uint8Array): string | undefined {
  let s = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      s += String.fromCharCode(c);
      i++;
      continue;
    }
    let n: number;
    let cp: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) (n = 1), (cp = c & 0x1f), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (n = 2), (cp = c & 0x0f), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (n = 3), (cp = c & 0x07), (min = 0x10000);
    else return undefined;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

/** One byte per character (ISO 8859-1). Used for the 8-bit string types. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** BMPString: UCS-2 big-endian. Surrogate pairs are accepted (UTF-16); a lone surrogate is invalid. */
export function bmp(b: Uint8Array): string | undefined {
  if (b.length % 2 !== 0) return undefined;
  let s = '';
  for (let i = 0; i < b.length; i += 2) {
    const u = (b[i]! << 8) | b[i + 1]!;
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 3 >= b.length) return undefined;
      const lo = (b[i + 2]! << 8) | b[i + 3]!;
      if (lo < 0xdc00 || lo > 0xdfff) return undefined;
      s += String.fromCharCode(u, lo);
      i += 2;
    } else if (u >= 0xdc00 && u <= 0xdfff) return undefined;
    else s += String.fromCharCode(u);
  }
  return s;
}

/** UniversalString: UCS-4 big-endian. */
export function universal(b: Uint8Array): string | undefined {
  if (b.length % 4 !== 0) return undefined;
  let s = '';
  for (let i = 0; i < b.length; i += 4) {
    const cp = ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    s += String.fromCodePoint(cp);
  }
  return s;
}

/**
 * The text of a universal-class string element, or undefined when the tag is not a string type or the bytes
 * are invalid for it. PrintableString, IA5String, VisibleString, NumericString, TeletexString (T.61),
 * VideotexString, GraphicString and GeneralString are read one byte per character as ISO 8859-1, as OpenSSL
 * does: real certificates put Latin-1 into PrintableString and TeletexString.
 */
export function decodeString(tag: number, b: Uint8Array): string | undefined {
  switch (tag) {
    case T.UTF8String:
      return utf8(b);
    case T.BMPString:
      return bmp(b);
    case T.UniversalString:
      return universal(b);
    case T.PrintableString:
    case T.IA5String:
    case T.VisibleString:
    case T.NumericString:
    case T.TeletexString:
    case T.VideotexString:
    case T.GraphicString:
    case T.GeneralString:
      return latin1(b);
    default:
      return undefined;
  }
}
