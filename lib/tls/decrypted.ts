// What the TLS stage adds to events for records opened with logged secrets (--keylog): the record's real
// content type, and the escaped preview of application data that --data-preview asks for.

import type { Event } from '../events.js';
import * as R from '../registry/index.js';

/** Marks a tls.record as decrypted, with the content type it held (TLS 1.3's inner type, RFC 8446 §5.2). */
export function decryptedRecord(ev: Event, inner: number, skipped: number): void {
  ev.decrypted = true;
  // What the record held is known now: the TLS 1.3 flight label inferred from its place is dropped.
  delete ev.flight;
  delete ev.inferred;
  ev.inner_content_id = inner;
  ev.inner_content = R.contentTypeName(inner);
  // After a gap, the records that were lost: the sequence number had to skip this many.
  if (skipped > 0) ev.records_skipped = skipped;
}

const ESC: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r', 0x5c: '\\\\' };

/** The first `max` bytes as text: printable ASCII as is, \t \n \r \\, anything else as \xHH. */
export function previewText(data: Uint8Array, max: number): string {
  let s = '';
  const n = Math.min(max, data.length);
  for (let i = 0; i < n; i++) {
    const b = data[i]!;
    const e = ESC[b];
    if (e) s += e;
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).padStart(2, '0');
  }
  return s;
}
