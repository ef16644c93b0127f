// Hello enrichment (stage 3): the facts of a decoded ClientHello or ServerHello that the session verdict and users
// read at the top of the event (SNI, ALPN, offered versions, key share groups, …) and its fingerprints (JA3, JA4,
// JA3S), computed in this one step after the message decoder, not inside it. Input: the decoder's fields.

import * as R from '../registry/index.js';
import { ja3, ja3s, ja4, sslv2SpecsAsSuites } from '../fingerprint/index.js';
import { wireBytes, type Extension } from './extensions.js';
import { extensionsOf, type Fields } from './handshake.js';
import { EXT } from './ids.js';
import { NameLists } from './render.js';

/** The offered versions' names (GREASE left out) and the PSK modes' names, as lists recur (NameLists). */
const SUPPORTED_VERSION_NAMES = new NameLists(R.versionName, true);
const PSK_MODE_NAMES = new NameLists(R.pskModeName);

// ---- typed reads of decoder fields (parse boundary: handshake.ts and extensions.ts write these shapes) -------

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function numbers(v: unknown): number[] | undefined {
  // Parse boundary: list fields named `*_ids` are written by the decoders as arrays of numbers.
  return Array.isArray(v) ? (v as number[]) : undefined;
}

function strings(v: unknown): string[] | undefined {
  // Parse boundary: `server_names` and `protocols` are written by the decoders as arrays of strings (wireText).
  return Array.isArray(v) ? (v as string[]) : undefined;
}

function ids(exts: readonly Extension[]): number[] {
  const out: number[] = [];
  for (const e of exts) out.push(e.id);
  return out;
}

/**
 * The first extension of a type, found by its place in `extIds` (ids(exts)): a scan of numbers, where reading `id`
 * again from extension objects of many shapes would cost a slow property read each.
 */
function finder(exts: readonly Extension[], extIds: readonly number[]): (id: number) => Extension | undefined {
  return (id) => {
    const i = extIds.indexOf(id);
    return i < 0 ? undefined : exts[i];
  };
}

/**
 * The fingerprints of recent ClientHellos, found by what they are computed from: clients of one kind send the same
 * hello, random and key shares apart, in connection after connection. An entry is found by comparing those numbers
 * (GREASE values left out, as JA3 and JA4 leave them out) instead of building the JA3 text again and hashing it. At
 * most HELLO_PRINT_ENTRIES are kept, each replacing the oldest; fingerprints are pure functions of these inputs, so an
 * entry never goes stale.
 */
export const HELLO_PRINT_ENTRIES = 16;

/** What JA3 and JA4 read of a ClientHello (lists without GREASE), and its fingerprints. */
interface HelloPrint {
  version: number;
  ciphers: number[];
  extensions: number[];
  groups: number[];
  formats: number[];
  /** undefined: no supported_versions extension. */
  supportedVersions: number[] | undefined;
  /** The first ALPN protocol as wireText() wrote it; undefined when there is none. */
  alpn: string | undefined;
  sigAlgs: number[];
  ja3: string;
  ja3_hash: string;
  ja4: string;
}

const helloPrints: HelloPrint[] = [];
let nextHelloPrint = 0;

/** `kept` (without GREASE) and `list` hold the same values in order once GREASE is left out of `list`. */
function sameWithoutGrease(kept: readonly number[], list: readonly number[]): boolean {
  let i = 0;
  for (const v of list) {
    if (R.isGrease(v)) continue;
    if (i === kept.length || kept[i] !== v) return false;
    i++;
  }
  return i === kept.length;
}

/** JA3 and JA4 of a ClientHello that has them (see enrichClientHello), from the recent ones when it is among them. */
function helloPrint(
  version: number,
  ciphers: number[],
  extensions: number[],
  groups: number[],
  formats: number[],
  supportedVersions: number[] | undefined,
  alpn: string | undefined,
  sigAlgs: number[],
): HelloPrint {
  for (const p of helloPrints) {
    if (
      p.version === version &&
      p.alpn === alpn &&
      (p.supportedVersions === undefined) === (supportedVersions === undefined) &&
      sameWithoutGrease(p.ciphers, ciphers) &&
      sameWithoutGrease(p.extensions, extensions) &&
      sameWithoutGrease(p.groups, groups) &&
      sameWithoutGrease(p.formats, formats) &&
      sameWithoutGrease(p.sigAlgs, sigAlgs) &&
      (supportedVersions === undefined || sameWithoutGrease(p.supportedVersions!, supportedVersions))
    )
      return p;
  }
  const j = ja3(version, ciphers, extensions, groups, formats);
  // JA4 reads the first protocol's bytes (its first and last), not its text: wireBytes undoes the `#hex` form.
  const fp = ja4({ version, supportedVersions, ciphers, extensions, alpn: alpn !== undefined ? wireBytes(alpn) : undefined, sigAlgs });
  const p: HelloPrint = {
    version,
    ciphers: R.withoutGrease(ciphers),
    extensions: R.withoutGrease(extensions),
    groups: R.withoutGrease(groups),
    formats: R.withoutGrease(formats),
    supportedVersions: supportedVersions && R.withoutGrease(supportedVersions),
    alpn,
    sigAlgs: R.withoutGrease(sigAlgs),
    ja3: j.ja3,
    ja3_hash: j.ja3_hash,
    ja4: fp,
  };
  helloPrints[nextHelloPrint] = p;
  nextHelloPrint = (nextHelloPrint + 1) % HELLO_PRINT_ENTRIES;
  return p;
}

/** What the TLS stage keeps of a ClientHello for later records (early data, ChangeCipherSpec, ServerHello). */
export interface ClientHelloKept {
  session_id: unknown;
  supported_version_ids: number[];
  early_data: unknown;
}

/** What the TLS stage takes from a ServerHello: the negotiated version and suite, and what decryption needs. */
export interface ServerHelloTaken {
  version?: number;
  cipher?: number;
  random?: string;
  /** encrypt_then_mac echoed (RFC 7366 §2). */
  encryptThenMac: boolean;
}

/**
 * Facts of the ClientHello gathered at the top of its event, for the session verdict, and its fingerprints. A
 * hello cut short (`cut`) gives the facts of its complete extensions but no JA3/JA4: a fingerprint of a cut list
 * would be a wrong one (docs/fingerprints.md). Returns what the flow keeps of it.
 */
export function enrichClientHello(fields: Fields, cut: boolean): ClientHelloKept {
  const exts = extensionsOf(fields);
  const extIds = ids(exts);
  const find = finder(exts, extIds);
  const sni = strings(find(EXT.server_name)?.server_names);
  fields.sni = sni?.[0] ?? null;
  const alpn = strings(find(EXT.alpn)?.protocols);
  fields.alpn = alpn ?? [];
  const svExt = find(EXT.supported_versions);
  const sv = numbers(svExt?.version_ids) ?? [];
  fields.supported_version_ids = sv;
  fields.supported_versions = SUPPORTED_VERSION_NAMES.of(sv);
  // Parse boundary: the key_share decoder writes `shares` as {group_id, key_bytes} records.
  const ks = (find(EXT.key_share)?.shares as { group_id: number }[] | undefined) ?? [];
  fields.key_share_groups = ks.filter((s) => !R.isGrease(s.group_id)).map((s) => R.groupName(s.group_id));
  const psk = find(EXT.pre_shared_key);
  if (psk) fields.psk_identities = psk.identities;
  const modes = numbers(find(EXT.psk_key_exchange_modes)?.mode_ids);
  if (modes) fields.psk_modes = PSK_MODE_NAMES.of(modes);
  fields.extension_ids = extIds;
  const ciphers = numbers(fields.cipher_ids) ?? [];
  // decodeExtensions marks `grease` on exactly the extensions whose id is GREASE (RFC 8701).
  if (extIds.some(R.isGrease) || ciphers.some(R.isGrease)) fields.grease = true;
  const ticket = find(EXT.session_ticket);
  if (ticket) fields.session_ticket_length = ticket.length;
  if (find(EXT.early_data)) fields.early_data = true;
  const kept: ClientHelloKept = { session_id: fields.session_id, supported_version_ids: sv, early_data: fields.early_data };
  const ech = find(EXT.encrypted_client_hello);
  if (ech) fields.ech = ech.ech_type ?? true;
  const version = num(fields.version_id);
  if (version === undefined || cut) return kept;
  if (fields.sslv2) {
    fields.ja4 = ja4({ version, ciphers: sslv2SpecsAsSuites(ciphers), extensions: [] });
    return kept;
  }
  const p = helloPrint(
    version,
    ciphers,
    extIds,
    numbers(find(EXT.supported_groups)?.group_ids) ?? [],
    numbers(find(EXT.ec_point_formats)?.format_ids) ?? [],
    svExt ? sv : undefined,
    alpn?.[0],
    numbers(find(EXT.signature_algorithms)?.sig_alg_ids) ?? [],
  );
  fields.ja3 = p.ja3;
  fields.ja3_hash = p.ja3_hash;
  fields.ja4 = p.ja4;
  return kept;
}

/**
 * Facts of the ServerHello at the top of its event (ALPN, key share group, the PSK chosen, whether the session
 * id echoes the client's) and its JA3S (not for a hello cut short). `clientSessionId`: the ClientHello's.
 */
export function enrichServerHello(fields: Fields, clientSessionId: unknown, cut: boolean): ServerHelloTaken {
  const exts = extensionsOf(fields);
  const extIds = ids(exts);
  const find = finder(exts, extIds);
  const cipher = num(fields.cipher_id);
  const alpn = strings(find(EXT.alpn)?.protocols);
  if (alpn) fields.alpn = alpn;
  const ks = find(EXT.key_share);
  const group = num(ks?.group_id);
  if (group !== undefined) fields.key_share_group = R.groupName(group);
  const selected = num(ks?.selected_group_id);
  if (selected !== undefined) fields.key_share_group = R.groupName(selected);
  const psk = find(EXT.pre_shared_key);
  if (psk) fields.psk_selected_identity = psk.selected_identity;
  if (typeof clientSessionId === 'string' && clientSessionId.length > 0) fields.session_id_match = clientSessionId === fields.session_id;
  const legacy = num(fields.legacy_version_id);
  if (legacy !== undefined && cipher !== undefined && !cut) {
    const j = ja3s(legacy, cipher, extIds);
    fields.ja3s = j.ja3s;
    fields.ja3s_hash = j.ja3s_hash;
  }
  return {
    version: num(fields.version_id),
    cipher,
    random: typeof fields.random === 'string' ? fields.random : undefined,
    encryptThenMac: find(EXT.encrypt_then_mac) !== undefined,
  };
}
