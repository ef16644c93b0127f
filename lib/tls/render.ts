// Adds names to the numbers that the decoders of stage 3 keep (names at output), and turns raw DER into
// certificate descriptions and RFC 4514 names. Input and output are plain JSON-ready objects.

import * as R from '../registry/index.js';
import { describeCertificate, describeName } from './certs.js';
import type { Extension } from './extensions.js';
import type { Fields, Unreadable } from './handshake.js';

/** Field `<x>_id` / `<x>_ids` holding registry numbers → the name field placed after it. */
type Namer = (v: number) => string;

/** Rows of [id field, name field, namer] as a map from the id field. */
function byIdField(rows: [string, string, Namer][]): Map<string, [string, Namer]> {
  return new Map(rows.map(([id, name, fn]) => [id, [name, fn]]));
}

const NAMED = byIdField([
  ['version_id', 'version', R.versionName],
  ['legacy_version_id', 'legacy_version', R.versionName],
  ['selected_version_id', 'selected_version', R.versionName],
  ['server_version_id', 'server_version', R.versionName],
  ['cipher_id', 'cipher', R.cipherName],
  ['group_id', 'group', R.groupName],
  ['named_group_id', 'named_group', R.groupName],
  ['selected_group_id', 'selected_group', R.groupName],
  ['sig_alg_id', 'sig_alg', R.signatureSchemeName],
  ['status_type_id', 'status_type', R.certificateStatusTypeName],
  ['algorithm_id', 'algorithm', R.certificateCompressionName],
  ['compression_id', 'compression', R.compressionMethodName],
]);

/** Field `<x>_ids` holding a list of registry numbers → the list of names placed after it. */
const NAMED_LISTS = byIdField([
  ['cipher_ids', 'ciphers', R.cipherName],
  ['version_ids', 'versions', R.versionName],
  ['group_ids', 'groups', R.groupName],
  ['sig_alg_ids', 'sig_algs', R.signatureSchemeName],
  ['format_ids', 'formats', R.ecPointFormatName],
  ['mode_ids', 'modes', R.pskModeName],
  ['algorithm_ids', 'algorithms', R.certificateCompressionName],
  ['cert_type_ids', 'cert_types', R.clientCertificateTypeName],
  ['compression_ids', 'compressions', R.compressionMethodName],
]);

/**
 * Writes the fields of `f` into `out`, in their order, with a name beside every registry number, certificates
 * described and DNs as RFC 4514 strings. A key `out` has already keeps its place and takes the new value (as
 * Object.assign would): the event is filled in place, with no copy of the message in between.
 *
 * `lean`: for an event that no output shows, only the session verdict reads (lib/session): extensions keep their
 * ids and decoded values without names, and the offered cipher suites their ids without the list of names. Every
 * other field, and every `_id` field, is as in the full event.
 */
export function nameInto(out: Fields, f: Fields, lean = false): Fields {
  for (const k in f) {
    const v = f[k];
    if (v === undefined) continue;
    switch (k) {
      case 'cert_ders':
        // Items with bytes missing from an excerpt (Unreadable) are described by what is known: their size.
        // Parse boundary: handshake.ts fills `cert_ders` with DER views and, in excerpts, Unreadable records.
        out.certs = (v as (Uint8Array | Unreadable)[]).map((d) =>
          d instanceof Uint8Array
            ? describeCertificate(d)
            : { error: `${d.missing_bytes} of its ${d.length} bytes are missing from the excerpt`, length: d.length, missing_bytes: d.missing_bytes },
        );
        continue;
      case 'ca_names_der': {
        // Parse boundary: handshake.ts fills `ca_names_der` with DER views (Unreadable ones in excerpts).
        const list = v as (Uint8Array | Unreadable)[];
        const cas: string[] = [];
        for (const d of list) if (d instanceof Uint8Array) cas.push(describeName(d));
        out.ca_names = cas;
        if (list.length > cas.length) out.ca_names_unreadable = list.length - cas.length;
        continue;
      }
      case 'extensions':
        // Parse boundary: decodeExtensions() gives `extensions` as Extension[].
        out.extensions = lean ? v : (v as Extension[]).map(namedExtension);
        continue;
      case 'shares':
        // Parse boundary: the key_share decoder gives `shares` as plain field records.
        out.shares = (v as Fields[]).map((x) => nameInto({}, x));
        continue;
      case 'cert_extensions':
        // Parse boundary: the TLS 1.3 Certificate decoder gives one Extension[] per entry.
        out.cert_extensions = (v as Extension[][]).map((list) => list.map(namedExtension));
        continue;
    }
    out[k] = v;
    const single = NAMED.get(k);
    if (single !== undefined) {
      if (typeof v === 'number') out[single[0]] = single[1](v);
      continue;
    }
    if (lean && k === 'cipher_ids') continue;
    const list = NAMED_LISTS.get(k);
    if (list !== undefined) out[list[0]] = Array.isArray(v) ? v.map((x: number) => list[1](x)) : undefined;
  }
  return out;
}

/** A copy of `f` with names added (nameInto a new object). */
export function named(f: Fields): Fields {
  return nameInto({}, f);
}

function namedExtension(e: Extension): Fields {
  // `id` and `length` are written again in place by nameInto, with the same values; `name` goes between them.
  return nameInto({ id: e.id, name: R.extensionName(e.id), length: e.length }, e);
}
