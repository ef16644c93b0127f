// Test support: the ClientHellos and ServerHellos that tshark dissects in a capture, read from its PDML so that
// every field keeps its place (which extension a signature algorithm belongs to, the raw bytes of an ALPN
// value). Used to check our fingerprints against tshark's own JA3/JA3S and FoxIO's published JA4 values.

import { execFile } from 'node:child_process';

export interface TsharkHello {
  frame: number;
  stream: number;
  transport: 'tcp' | 'udp';
  type: 1 | 2;
  /** An SSLv2-format ClientHello (its cipher specs are 3-byte values in `ciphers`). */
  sslv2: boolean;
  /** tshark raised an Error-severity expert item (malformed) inside this hello. */
  malformed: boolean;
  version?: number;
  ciphers: number[];
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  supportedVersions?: number[];
  sigAlgs: number[];
  alpn?: Uint8Array;
  ja3_full?: string;
  ja3?: string;
  ja3s_full?: string;
  ja3s?: string;
}

export { captureFiles } from '../support/shared.js';

function attr(line: string, name: string): string | undefined {
  const m = new RegExp(` ${name}="([^"]*)"`).exec(line);
  if (!m) return undefined;
  return m[1]!
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function fromHex(h: string): Uint8Array {
  const b = new Uint8Array(h.length >> 1);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** Scans tshark's PDML line by line (one field per line) into hellos. */
export function parsePdml(pdml: string): TsharkHello[] {
  const out: TsharkHello[] = [];
  let frame = 0;
  let stream = -1;
  let transport: 'tcp' | 'udp' = 'tcp';
  let cur: TsharkHello | undefined;
  let ext = -1;
  let sslv2Record = false;
  for (const line of pdml.split('\n')) {
    if (line.includes('<packet>')) {
      cur = undefined;
      transport = 'tcp';
      stream = -1;
      continue;
    }
    const name = attr(line, 'name');
    if (name === undefined) continue;
    if (name === 'udp') transport = 'udp';
    if (name === 'frame.number') frame = Number(attr(line, 'show'));
    else if (name === 'tls.record') sslv2Record = (attr(line, 'showname') ?? '').startsWith('SSLv2');
    else if (name === 'tcp.stream' || name === 'udp.stream') stream = Number(attr(line, 'show'));
    else if (name === 'tls.handshake.type') {
      const t = Number(attr(line, 'show'));
      if (t === 1 || t === 2) {
        cur = {
          frame,
          stream,
          transport,
          type: t,
          sslv2: sslv2Record,
          malformed: false,
          ciphers: [],
          extensions: [],
          groups: [],
          pointFormats: [],
          sigAlgs: [],
        };
        out.push(cur);
      } else cur = undefined;
      ext = -1;
    } else if (cur === undefined) continue;
    else if (name === 'tls.handshake.version' && cur.version === undefined) cur.version = parseInt(attr(line, 'value')!, 16);
    else if (name === 'tls.handshake.ciphersuite' || name === 'tls.handshake.cipherspec') cur.ciphers.push(parseInt(attr(line, 'value')!, 16));
    else if (name === 'tls.handshake.extension.type') {
      ext = Number(attr(line, 'show'));
      cur.extensions.push(ext);
    } else if (name === 'tls.handshake.extensions_supported_group') cur.groups.push(parseInt(attr(line, 'value')!, 16));
    else if (name === 'tls.handshake.extensions_ec_point_format') cur.pointFormats.push(parseInt(attr(line, 'value')!, 16));
    else if (name === 'tls.handshake.extensions.supported_version' && ext === 43)
      (cur.supportedVersions ??= []).push(parseInt(attr(line, 'value')!, 16));
    else if (name === 'tls.handshake.sig_hash_alg' && ext === 13) cur.sigAlgs.push(parseInt(attr(line, 'value')!, 16));
    else if (name === 'tls.handshake.extensions_alpn_str' && ext === 16 && cur.alpn === undefined) cur.alpn = fromHex(attr(line, 'value') ?? '');
    else if (name === '_ws.expert.severity' && attr(line, 'show') === '8388608') cur.malformed = true;
    else if (name === 'tls.handshake.ja3_full') cur.ja3_full = attr(line, 'show');
    else if (name === 'tls.handshake.ja3') cur.ja3 = attr(line, 'show');
    else if (name === 'tls.handshake.ja3s_full') cur.ja3s_full = attr(line, 'show');
    else if (name === 'tls.handshake.ja3s') cur.ja3s = attr(line, 'show');
  }
  return out;
}

/** tshark's hellos of one capture (default preferences: TCP and TLS desegmentation on). */
export function tsharkHellos(pcap: string): Promise<TsharkHello[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'tshark',
      ['-r', pcap, '-Y', 'tls.handshake.type == 1 || tls.handshake.type == 2', '-T', 'pdml'],
      { maxBuffer: 1 << 30 },
      (err, stdout) => (err ? reject(err) : resolve(parsePdml(stdout))),
    );
  });
}

/** Runs fn over items, at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
