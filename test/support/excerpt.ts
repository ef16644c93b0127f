// Makes excerpts the way people paste them, from real tcpdump -X text: one side's packets with their summary
// lines and the IP/TCP header rows removed, so that the payload starts mid-row (its first row printed whole, with
// the last header bytes, or with the header groups blanked out as the seed article does), separator lines between
// packets, and rows left out at random. Tests decode these and compare with what tshark sees in the capture.

import { rng } from './rng.js';

interface DumpPacket {
  summary: string;
  src: string;
  dst: string;
  len: number;
  bytes: Buffer;
}

/** Packets of tcpdump -nn -t -X (or -x) text: the summary, its endpoints and the bytes of its hex rows. */
export function dumpPackets(text: string): DumpPacket[] {
  const out: DumpPacket[] = [];
  let cur: { p: DumpPacket; hex: string[] } | undefined;
  const done = (): void => {
    if (cur) cur.p.bytes = Buffer.from(cur.hex.join(''), 'hex');
  };
  for (const line of text.split('\n')) {
    const row = /^\s+0x[0-9a-f]{4}:\s+((?:[0-9a-f]{2,4} ?)+)/.exec(line);
    if (row && cur) {
      cur.hex.push(row[1]!.replace(/\s+/g, ''));
      continue;
    }
    const m = /^IP6? (\S+) > (\S+): .*length (\d+)/.exec(line);
    if (!m) continue;
    done();
    cur = { p: { summary: line, src: m[1]!, dst: m[2]!.replace(/:$/, ''), len: Number(m[3]), bytes: Buffer.alloc(0) }, hex: [] };
    out.push(cur.p);
  }
  done();
  return out;
}

/** Where the TCP payload starts in an IP packet (IPv4 header length, or IPv6's 40 bytes, plus the TCP data offset). */
export function payloadStart(ip: Buffer): number {
  const ihl = ip[0]! >> 4 === 6 ? 40 : (ip[0]! & 15) * 4;
  return ihl + (ip[ihl + 12]! >> 4) * 4;
}

export interface ExcerptOptions {
  /** Seed of the row dropping. */
  seed?: number;
  /** Chance that a row is left out. */
  drop?: number;
  /** Blank the header groups of the first row (when the payload starts on a group boundary). */
  blank?: boolean;
  /** Lines between packets; the seed's by default. */
  separator?: string;
  /** A line where rows were left out, as the article writes "(Certificate #1)". */
  note?: string;
}

/**
 * The server's first flight of one connection as an excerpt: its payload-carrying packets from the first until
 * the client sends payload again. `server` is the server's `ip.port` as tcpdump prints it.
 */
export function serverFlightExcerpt(
  text: string,
  server: string,
  o: ExcerptOptions = {},
): { text: string; packets: number; dropped: number; rows: number } {
  const all = dumpPackets(text);
  const flight: DumpPacket[] = [];
  for (const p of all) {
    if (p.len === 0) continue;
    if (p.src === server) flight.push(p);
    else if (flight.length > 0 && p.dst === server) break;
  }
  // xorshift's first outputs from a small seed are tiny: the seed is spread and a few outputs passed over.
  const next = rng(Math.imul(o.seed ?? 1, 0x9e3779b1) >>> 0);
  for (let i = 0; i < 8; i++) next();
  const lines: string[] = [];
  let dropped = 0;
  let rows = 0;
  flight.forEach((p, k) => {
    if (k > 0) lines.push(o.separator ?? '(next packet - IP and TCP headers not shown)');
    const ps = payloadStart(p.bytes);
    let skipping = false;
    for (let at = ps - (ps % 16); at < p.bytes.length; at += 16) {
      rows++;
      if (o.drop && next() < o.drop) {
        dropped++;
        if (!skipping && o.note) lines.push(o.note);
        skipping = true;
        continue;
      }
      skipping = false;
      const from = at < ps && o.blank && (ps - at) % 2 === 0 ? ps : at;
      lines.push(hexRow(p.bytes, at, from));
    }
  });
  return { text: lines.join('\n') + '\n', packets: flight.length, dropped, rows };
}

/**
 * A whole connection as an excerpt: every packet with payload, both directions, headers left out (the first row
 * blanked up to the payload), a separator line between packets.
 */
export function connectionExcerpt(text: string): string {
  const lines: string[] = [];
  for (const p of dumpPackets(text)) {
    if (p.len === 0) continue;
    if (lines.length > 0) lines.push('(next packet - IP and TCP headers not shown)');
    const ps = payloadStart(p.bytes);
    for (let at = ps - (ps % 16); at < p.bytes.length; at += 16) lines.push(hexRow(p.bytes, at, (ps - at) % 2 === 0 ? ps : at));
  }
  return lines.join('\n') + '\n';
}

/** One tcpdump -X row at offset `at`, its bytes before `from` left blank (5 columns a group). */
function hexRow(b: Buffer, at: number, from: number): string {
  const groups: string[] = [];
  const ascii: string[] = [];
  for (let i = at; i < Math.min(at + 16, b.length); i += 2) {
    if (i < from) {
      groups.push('    ');
      ascii.push('  ');
      continue;
    }
    groups.push(b.subarray(i, Math.min(i + 2, b.length)).toString('hex'));
    for (const x of b.subarray(i, Math.min(i + 2, b.length))) ascii.push(x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.');
  }
  const hex = groups.join(' ');
  return `\t0x${at.toString(16).padStart(4, '0')}:  ${hex.padEnd(40)} ${ascii.join('')}`;
}
