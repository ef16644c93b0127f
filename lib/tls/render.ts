// Adds names to the numbers that the decoders of stage 3 keep (names at output), and turns raw DER into
// certificate descriptions and RFC 4514 names. Input and output are plain JSON-ready objects.

import * as R from '../registry/index.js';
import { describeCertificate, describeName } from './certs.js';
import type { Extension } from './extensions.js';
import type { Fields, Unreadable } from './handshake.js';

const names = (ids: unknown, name: (v: number) => string): string[] | undefined =>
  Array.isArray(ids) ? (ids as number[]).map(name) : undefined;

/** Field `<x>_id` / `<x>_ids` holding registry numbers → the name field placed after it. */
const NAMED = new Map<string, [string, (v: number) => string]>(([

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
] as [string, string, (v: number) => string][]).map(([id, name, fn]) => [id, [name, fn]]));

const NAMED_LISTS = new Map<string, [string, (v: number) => string]>(([

  ['cipher_ids', 'ciphers', R.cipherName],
  ['version_ids', 'versions', R.versionName],
  ['group_ids', 'groups', R.groupName],
  ['sig_alg_ids', 'sig_algs', R.signatureSchemeName],
  ['format_ids', 'formats', R.ecPointFormatName],
  ['mode_ids', 'modes', R.pskModeName],
  ['algorithm_ids', 'algorithms', R.certificateCompressionName],
  ['cert_type_ids', 'cert_types', R.clientCertificateTypeName],
  ['compression_ids', 'compressions', R.compressionMethodName],
] as [string, string, (v: number) => string][]).map(([id, name, fn]) => [id, [name, fn]]));

/** Copies `f` with a name beside every registry number, certificates described and DNs as RFC 4514 strings. */
export function named(f: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue;
    // Items with bytes missing from an excerpt (Unreadable) are described by what is known: their size.
    if (k === 'cert_ders') {
      out.certs = (v as (Uint8Array | Unreadable)[]).map((d) =>
        d instanceof Uint8Array ? describeCertificate(d) : { error: `${d.missing_bytes} of its ${d.length} bytes are missing from the excerpt`, length: d.length, missing_bytes: d.missing_bytes },
      );
      continue;
    }
    if (k === 'ca_names_der') {
      const list = v as (Uint8Array | Unreadable)[];
      out.ca_names = list.filter((d): d is Uint8Array => d instanceof Uint8Array).map(describeName);
      const unreadable = list.length - (out.ca_names as string[]).length;
      if (unreadable > 0) out.ca_names_unreadable = unreadable;
      continue;
    }
    if (k === 'extensions') {
      out.extensions = (v as Extension[]).map(namedExtension);
      continue;
    }
    if (k === 'shares') {
      out.shares = (v as Fields[]).map(named);
      continue;
    }
    if (k === 'cert_extensions') {
      out.cert_extensions = (v as Extension[][]).map((list) => list.map(namedExtension));
      continue;
    }
    out[k] = v;
    const single = NAMED.get(k);
    if (single && typeof v === 'number') out[single[0]] = single[1](v);
    const list = NAMED_LISTS.get(k);
    if (list) out[list[0]] = names(v, list[1]);
  }
  return out;
}

function namedExtension(e: Extension): Fields {
  const { id, length, ...rest } = e;
  return { id, name: R.extensionName(id), length, ...named(rest) };
}
