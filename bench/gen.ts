// Generates a realistic capture of any size as pcap: many interleaved TCP flows, each a full TLS handshake taken
// from a real recorded connection (bench/template.json) followed by bulk application data, with some loss
// (a segment missing, then retransmitted) and reordering. Ports, addresses and sequence numbers are rewritten
// per flow. The text form is made by tcpdump itself: `tcpdump -nn -XX -r gen.pcap > gen.txt`.
//
// usage: node dist/bench/gen.js OUT.pcap MEGABYTES [--seed N] [--bulk MIN-MAX]
// --bulk: bytes of application data per flow (default 200000-600000); small values make handshake-heavy captures.

import { createWriteStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pcapFileHeader, pcapRecordHeader } from '../lib/pcap/reader.js';

const MSS = 1448;
const ETH = 14;
const IP = 20;
const TCP = 32; // with the timestamp option, as Linux sends it
const LINKTYPE_ETHERNET = 1;

interface Template {
  /** Where the bytes were recorded. */
  source: string;
  /** The handshake's flights in order: who sent them and their reassembled bytes, hex. */
  flights: { dir: 'c2s' | 's2c'; hex: string }[];
}

type Flights = { dir: 'c2s' | 's2c'; bytes: Buffer }[];

/** A small deterministic PRNG (xorshift32), so that a seed gives the same capture. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

interface Seg {
  time: number;
  frame: Buffer;
}

function checksum(b: Buffer, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** One Ethernet/IPv4/TCP frame; the TCP checksum is left 0 as with checksum offload. */
export function frame(
  src: number,
  dst: number,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
  tsval: number,
): Buffer {
  const b = Buffer.alloc(ETH + IP + TCP + payload.length);
  b.writeUIntBE(0x02000000_0001, 0, 6);
  b.writeUIntBE(0x02000000_0002, 6, 6);
  b.writeUInt16BE(0x0800, 12);
  const ip = ETH;
  b[ip] = 0x45;
  b.writeUInt16BE(IP + TCP + payload.length, ip + 2);
  b.writeUInt16BE(0x4000, ip + 6);
  b[ip + 8] = 64;
  b[ip + 9] = 6;
  b.writeUInt32BE(src, ip + 12);
  b.writeUInt32BE(dst, ip + 16);
  b.writeUInt16BE(checksum(b, ip, ip + IP), ip + 10);
  const t = ip + IP;
  b.writeUInt16BE(sport, t);
  b.writeUInt16BE(dport, t + 2);
  b.writeUInt32BE(seq >>> 0, t + 4);
  b.writeUInt32BE(ack >>> 0, t + 8);
  b[t + 12] = (TCP / 4) << 4;
  b[t + 13] = flags;
  b.writeUInt16BE(502, t + 14);
  b.writeUInt32BE(0x0101080a, t + 20); // NOP NOP timestamps
  b.writeUInt32BE(tsval >>> 0, t + 24);
  b.writeUInt32BE((tsval - 3) >>> 0, t + 28);
  b.set(payload, t + TCP);
  return b;
}

/** TLS application_data records of 16 KiB with random (incompressible) bodies, as bytes of one direction. */
function bulk(bytes: number, pool: Buffer, rand: () => number): Buffer {
  const start = Math.floor(rand() * (pool.length - bytes));
  const out = Buffer.from(pool.subarray(start, start + bytes));
  for (let pos = 0; pos + 5 < bytes; ) {
    const len = Math.min(16384 + 40, bytes - pos - 5);
    out[pos] = 23;
    out[pos + 1] = 3;
    out[pos + 2] = 3;
    out.writeUInt16BE(len, pos + 3);
    pos += 5 + len;
  }
  return out;
}

/** All segments of one flow, in send order, with loss and reordering applied. */
function flow(k: number, t0: number, tpl: Flights, bulkBytes: number, pool: Buffer, rand: () => number): Seg[] {
  const cli = (10 << 24) | (1 << 16) | (((k >> 8) & 0xff) << 8) | (k & 0xff);
  const srv = (10 << 24) | (2 << 16) | 1;
  const sport = 20000 + (k % 40000);
  const cisn = (rand() * 0x100000000) >>> 0;
  const sisn = (rand() * 0x100000000) >>> 0;
  const segs: Seg[] = [];
  let t = t0;
  let ts = (rand() * 1e9) >>> 0;
  const step = () => (t += 0.0001 + rand() * 0.0005);
  const c2s = (seq: number, ack: number, flags: number, p: Uint8Array) =>
    segs.push({ time: step(), frame: frame(cli, srv, sport, 443, seq, ack, flags, p, ts++) });
  const s2c = (seq: number, ack: number, flags: number, p: Uint8Array) =>
    segs.push({ time: step(), frame: frame(srv, cli, 443, sport, seq, ack, flags, p, ts++) });
  const none = new Uint8Array(0);
  c2s(cisn, 0, 0x02, none);
  s2c(sisn, cisn + 1, 0x12, none);
  c2s(cisn + 1, sisn + 1, 0x10, none);
  let cseq = cisn + 1;
  let sseq = sisn + 1;
  const send = (from: 'c' | 's', data: Uint8Array) => {
    const lossAt = data.length > 4 * MSS && rand() < 0.3 ? 1 + Math.floor(rand() * 3) : -1;
    const swapAt = data.length > 4 * MSS && rand() < 0.3 ? 1 + Math.floor(rand() * 3) : -1;
    let lost: Seg | undefined;
    for (let off = 0, i = 0; off < data.length; off += MSS, i++) {
      const p = data.subarray(off, off + MSS);
      if (from === 'c') c2s(cseq + off, sseq, 0x18, p);
      else s2c(sseq + off, cseq, 0x18, p);
      if (i === lossAt) lost = segs.pop(); // lost on the wire, retransmitted below
      if (i === swapAt + 1 && segs.length > 2) {
        const a = segs[segs.length - 1]!;
        segs[segs.length - 1] = segs[segs.length - 2]!;
        segs[segs.length - 2] = a;
      }
      if (lost && i === lossAt + 3) {
        segs.push({ time: step(), frame: lost.frame });
        lost = undefined;
      }
    }
    if (lost) segs.push({ time: step(), frame: lost.frame });
    if (from === 'c') cseq += data.length;
    else sseq += data.length;
  };
  for (const f of tpl) send(f.dir === 'c2s' ? 'c' : 's', f.bytes);
  send('c', bulk(600, pool, rand));
  send('s', bulk(bulkBytes, pool, rand));
  c2s(cseq, sseq, 0x11, none);
  s2c(sseq, cseq + 1, 0x11, none);
  c2s(cseq + 1, sseq + 1, 0x10, none);
  return segs;
}

export function loadTemplate(): Flights {
  const path = fileURLToPath(new URL('../../bench/template.json', import.meta.url));
  const t = JSON.parse(readFileSync(path, 'utf8')) as Template;
  return t.flights.map((f) => ({ dir: f.dir, bytes: Buffer.from(f.hex, 'hex') }));
}

/** Bytes of bulk application data the server sends per flow: uniform in [min, max). */
export interface BulkSize {
  min: number;
  max: number;
}

/** The default flow: a download of 200–600 kB after the handshake (bulk transfers, as in the first benchmark's
 * capture). */
export const BULK_DEFAULT: BulkSize = { min: 200_000, max: 600_000 };

/** Writes about `megabytes` of pcap; returns the frame count. */
export async function generate(out: string, megabytes: number, seed = 1, bulkSize: BulkSize = BULK_DEFAULT): Promise<number> {
  const rand = rng(seed);
  const tpl = loadTemplate();
  const pool = Buffer.alloc(1 << 21);
  for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE((rand() * 0x100000000) >>> 0, i);
  const ws = createWriteStream(out, { highWaterMark: 1 << 22 });
  const write = (b: Buffer) => (ws.write(b) ? undefined : new Promise<void>((r) => ws.once('drain', () => r())));
  await write(pcapFileHeader(LINKTYPE_ETHERNET));
  const target = megabytes * 1e6;
  let written = 24;
  let frames = 0;
  let k = 0;
  let t = 1_780_000_000;
  const CONCURRENT = 8;
  while (written < target) {
    // Interleave a batch of flows the way a busy server's capture does.
    const batch: Seg[][] = [];
    for (let i = 0; i < CONCURRENT; i++)
      batch.push(flow(k++, t + i * 0.0003, tpl, bulkSize.min + Math.floor(rand() * (bulkSize.max - bulkSize.min)), pool, rand));
    const all = batch.flat().sort((a, b) => a.time - b.time);
    for (const s of all) {
      const p = write(pcapRecordHeader(s.time, s.frame.length, s.frame.length));
      if (p !== undefined) await p;
      const q = write(s.frame);
      if (q !== undefined) await q;
      written += 16 + s.frame.length;
      frames++;
    }
    t = all[all.length - 1]!.time + 0.001;
  }
  await new Promise<void>((r) => ws.end(() => r()));
  return frames;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [out, mb, ...rest] = process.argv.slice(2);
  let seed = 1;
  let bulkSize = BULK_DEFAULT;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--seed') seed = Number(rest[++i]);
    else if (rest[i] === '--bulk') {
      // --bulk MIN-MAX in bytes: e.g. 1000-5000 for a capture of short, handshake-heavy flows.
      const [min, max] = (rest[++i] ?? '').split('-').map(Number);
      if (!(min! >= 0 && max! > min!)) {
        process.stderr.write('--bulk takes MIN-MAX bytes, e.g. 1000-5000\n');
        process.exit(2);
      }
      bulkSize = { min: min!, max: max! };
    }
  }
  if (!out || !mb) {
    process.stderr.write('usage: node dist/bench/gen.js OUT.pcap MEGABYTES [--seed N] [--bulk MIN-MAX]\n');
    process.exit(2);
  }
  const n = await generate(out, Number(mb), seed, bulkSize);
  process.stderr.write(`${out}: ${n} frames\n`);
}
