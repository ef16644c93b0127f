// Adds names to the numbers that the decoders of stage 3 keep (names at output), and turns raw DER into
// certificate descriptions and RFC 4514 names. Input and output are plain JSON-ready objects.

import * as R from '../registry/index.js';
import { isShared, share } from '../shared.js';
import { describeCertificate, describeName } from './certs.js';
import type { Extension } from './extensions.js';
import type { Fields, Unreadable } from './handshake.js';

/** Field `<x>_id` / `<x>_ids` holding registry numbers → the name field placed after it. */
type Namer = (v: number) => string;

/** Whether two id lists hold the same values in the same order. */
function sameIds(a: readonly number[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The names of recently seen id lists, for one namer: clients of one kind offer the same cipher suites, groups,
 * signature algorithms and versions in connection after connection, so the same list comes back, and is found by
 * comparing numbers instead of looking each one up again. At most NAME_LIST_CACHE_ENTRIES lists are kept per namer,
 * each replacing the oldest; namers are pure functions of the id, so an entry never goes stale. A list returned is
 * shared by every event that shows it: treat it as read-only (as certificate descriptions, ./certs.ts).
 */
export const NAME_LIST_CACHE_ENTRIES = 8;

export class NameLists {
  private readonly ids: number[][] = [];
  private readonly names: string[][] = [];
  private next = 0;

  /** `dropGrease`: GREASE values (RFC 8701) are left out of the names. */
  constructor(
    private readonly namer: Namer,
    private readonly dropGrease = false,
  ) {}

  /** The names of `ids`, in order. Parse boundary: the decoders write `*_ids` fields as arrays of numbers. */
  of(ids: readonly unknown[]): string[] {
    for (let i = 0; i < this.ids.length; i++) if (sameIds(this.ids[i]!, ids)) return this.names[i]!;
    const kept: number[] = [];
    const names: string[] = [];
    for (const x of ids) {
      const id = x as number;
      kept.push(id);
      if (!(this.dropGrease && R.isGrease(id))) names.push(this.namer(id));
    }
    this.ids[this.next] = kept;
    this.names[this.next] = names;
    this.next = (this.next + 1) % NAME_LIST_CACHE_ENTRIES;
    return names;
  }
}

/** How nameInto treats a field: a registry number named beside it, a list of them, or a field rewritten (rewrite()). */
type Rule = { kind: 'one'; name: string; one: Namer } | { kind: 'list'; name: string; list: NameLists } | { kind: 'rewrite' };

/** Rows of [id field, name field, namer]: a registry number, named in the field after it. */
const NAMED: [string, string, Namer][] = [
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
];

/** Rows of [ids field, names field, namer]: a list of registry numbers, the list of names in the field after it. */
const NAMED_LISTS: [string, string, Namer][] = [
  ['cipher_ids', 'ciphers', R.cipherName],
  ['version_ids', 'versions', R.versionName],
  ['group_ids', 'groups', R.groupName],
  ['sig_alg_ids', 'sig_algs', R.signatureSchemeName],
  ['format_ids', 'formats', R.ecPointFormatName],
  ['mode_ids', 'modes', R.pskModeName],
  ['algorithm_ids', 'algorithms', R.certificateCompressionName],
  ['cert_type_ids', 'cert_types', R.clientCertificateTypeName],
  ['compression_ids', 'compressions', R.compressionMethodName],
];

/** Every field that nameInto does more with than copy it, by its key: one Map lookup per field. */
const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ...NAMED.map(([id, name, one]): [string, Rule] => [id, { kind: 'one', name, one }]),
  ...NAMED_LISTS.map(([ids, name, namer]): [string, Rule] => [ids, { kind: 'list', name, list: new NameLists(namer) }]),
  ...['cert_ders', 'ca_names_der', 'extensions', 'shares', 'cert_extensions'].map((k): [string, Rule] => [k, { kind: 'rewrite' }]),
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
  for (const k in f) put(out, k, f[k], lean);
  return out;
}

/** One field of nameInto. */
function put(out: Fields, k: string, v: unknown, lean: boolean): void {
  if (v === undefined) return;
  const rule = RULES.get(k);
  if (rule?.kind === 'rewrite') {
    rewrite(out, k, v, lean);
    return;
  }
  out[k] = v;
  if (rule === undefined) return;
  if (rule.kind === 'one') {
    if (typeof v === 'number') out[rule.name] = rule.one(v);
  } else if (!(lean && k === 'cipher_ids')) {
    out[rule.name] = Array.isArray(v) ? rule.list.of(v) : undefined;
  }
}

/** The fields of REWRITTEN. */
function rewrite(out: Fields, k: string, v: unknown, lean: boolean): void {
  switch (k) {
    case 'cert_ders':
      // Items with bytes missing from an excerpt (Unreadable) are described by what is known: their size.
      // Parse boundary: handshake.ts fills `cert_ders` with DER views and, in excerpts, Unreadable records.
      out.certs = (v as (Uint8Array | Unreadable)[]).map((d) =>
        d instanceof Uint8Array
          ? describeCertificate(d)
          : { error: `${d.missing_bytes} of its ${d.length} bytes are missing from the excerpt`, length: d.length, missing_bytes: d.missing_bytes },
      );
      return;
    case 'ca_names_der': {
      // Parse boundary: handshake.ts fills `ca_names_der` with DER views (Unreadable ones in excerpts).
      const list = v as (Uint8Array | Unreadable)[];
      const cas: string[] = [];
      for (const d of list) if (d instanceof Uint8Array) cas.push(describeName(d));
      out.ca_names = cas;
      if (list.length > cas.length) out.ca_names_unreadable = list.length - cas.length;
      return;
    }
    case 'extensions':
      // Parse boundary: decodeExtensions() gives `extensions` as Extension[].
      out.extensions = lean ? v : (v as Extension[]).map(namedExtension);
      return;
    case 'shares':
      // Parse boundary: the key_share decoder gives `shares` as plain field records.
      out.shares = (v as Fields[]).map((x) => nameInto({}, x));
      return;
    case 'cert_extensions':
      // Parse boundary: the TLS 1.3 Certificate decoder gives one Extension[] per entry.
      out.cert_extensions = (v as Extension[][]).map((list) => list.map(namedExtension));
      return;
  }
}

/** A copy of `f` with names added (nameInto a new object). */
export function named(f: Fields): Fields {
  return nameInto({}, f);
}

/** Named extensions of shared ones (./extensions.ts gives the same object for the same bytes), shared in turn. */
const namedShared = new WeakMap<Extension, Fields>();

function namedExtension(e: Extension): Fields {
  if (!isShared(e)) return nameExtension(e);
  let named = namedShared.get(e);
  if (named === undefined) {
    named = share(nameExtension(e));
    namedShared.set(e, named);
  }
  return named;
}

function nameExtension(e: Extension): Fields {
  // `name` goes between `id` and `length`, which an Extension always has first; its other fields follow them.
  const out: Fields = { id: e.id, name: R.extensionName(e.id), length: e.length };
  for (const k in e) if (k !== 'id' && k !== 'length') put(out, k, e[k], false);
  return out;
}
