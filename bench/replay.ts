// Multiplies recorded connections into a handshake-heavy capture (the benchmark's second workload):
// reads a pcap of real connections (bench/record-handshakes.sh), then writes them again and again, each copy from
// its own client address and port, started a little after the one before and interleaved with it in time, until
// the capture holds PACKETS packets. IP and TCP checksums are made right for the new addresses.
//
// usage: node dist/bench/replay.js IN.pcap OUT.pcap [PACKETS] [--gap SECONDS]
// PACKETS: default 260000; --gap: time between the starts of two copies (default 0.0005 s).

import { createWriteStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pcapFileHeader, pcapRecordHeader } from '../lib/pcap/reader.js';

const ETH = 14;

interface Conn {
  client: number;
  frames: { t: number; frame: Buffer }[];
}

/** The TCP/IPv4 connections of a classic little-endian Ethernet pcap, keyed by their client (the SYN's sender). */
export function connections(pcap: Buffer): Conn[] {
  if (pcap.readUInt32LE(0) !== 0xa1b2c3d4 || pcap.readUInt32LE(20) !== 1) throw new Error('replay: a microsecond Ethernet pcap is expected');
  const byKey = new Map<string, Conn>();
  for (let p = 24; p + 16 <= pcap.length; ) {
    const t = pcap.readUInt32LE(p) + pcap.readUInt32LE(p + 4) / 1e6;
    const len = pcap.readUInt32LE(p + 8);
    const frame = pcap.subarray(p + 16, p + 16 + len);
    p += 16 + len;
    if (frame.length < ETH + 40 || frame.readUInt16BE(12) !== 0x0800 || frame[ETH + 9] !== 6) continue;
    const ihl = (frame[ETH]! & 15) * 4;
    const src = frame.readUInt32BE(ETH + 12);
    const dst = frame.readUInt32BE(ETH + 16);
    const sport = frame.readUInt16BE(ETH + ihl);
    const dport = frame.readUInt16BE(ETH + ihl + 2);
    const a = `${src}:${sport}`;
    const b = `${dst}:${dport}`;
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    let c = byKey.get(key);
    if (!c) {
      const syn = (frame[ETH + ihl + 13]! & 0x12) === 0x02;
      if (!syn) continue; // a connection whose start was not recorded
      c = { client: src, frames: [] };
      byKey.set(key, c);
    }
    c.frames.push({ t, frame });
  }
  return [...byKey.values()];
}

function sum16(b: Buffer, start: number, end: number, acc = 0): number {
  for (let i = start; i < end; i += 2) acc += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
  return acc;
}

function fold(acc: number): number {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return ~acc & 0xffff;
}

/** A copy of `frame` with the client `from` replaced by address `addr` and port `port`; checksums recomputed. */
function rewrite(frame: Buffer, from: number, addr: number, port: number): Buffer {
  const f = Buffer.from(frame);
  const ihl = (f[ETH]! & 15) * 4;
  const tcp = ETH + ihl;
  if (f.readUInt32BE(ETH + 12) === from) {
    f.writeUInt32BE(addr >>> 0, ETH + 12);
    f.writeUInt16BE(port, tcp);
  } else {
    f.writeUInt32BE(addr >>> 0, ETH + 16);
    f.writeUInt16BE(port, tcp + 2);
  }
  f.writeUInt16BE(0, ETH + 10);
  f.writeUInt16BE(fold(sum16(f, ETH, tcp)), ETH + 10);
  const end = ETH + f.readUInt16BE(ETH + 2);
  if (end <= f.length) {
    f.writeUInt16BE(0, tcp + 16);
    const pseudo = sum16(f, ETH + 12, ETH + 20) + 6 + (end - tcp);
    f.writeUInt16BE(fold(sum16(f, tcp, end, pseudo)), tcp + 16);
  }
  return f;
}

/** Writes copies of `conns` until `packets` packets; returns [packets, connections] written. */
export async function replay(conns: Conn[], out: string, packets: number, gap: number): Promise<[number, number]> {
  const order: { t: number; c: number; k: number }[] = [];
  let copies = 0;
  for (let n = 0; order.length < packets; n++, copies++) {
    const conn = conns[n % conns.length]!;
    const t0 = conn.frames[0]!.t;
    for (let k = 0; k < conn.frames.length; k++) order.push({ t: 1_780_000_000 + n * gap + (conn.frames[k]!.t - t0), c: n, k });
  }
  order.sort((a, b) => a.t - b.t || a.c - b.c || a.k - b.k);
  const ws = createWriteStream(out, { highWaterMark: 1 << 22 });
  const write = (b: Buffer) => (ws.write(b) ? undefined : new Promise<void>((r) => ws.once('drain', () => r())));
  await write(pcapFileHeader(1));
  for (const o of order) {
    const conn = conns[o.c % conns.length]!;
    // Client n: 10.128.0.0/9 by its number, ports cycling from 10000.
    const addr = ((10 << 24) | (1 << 23) | (o.c >> 6)) >>> 0;
    const port = 10000 + ((o.c * 7919) % 50000);
    const f = rewrite(conn.frames[o.k]!.frame, conn.client, addr, port);
    const p = write(pcapRecordHeader(o.t, f.length, f.length));
    if (p !== undefined) await p;
    const q = write(f);
    if (q !== undefined) await q;
  }
  await new Promise<void>((r) => ws.end(() => r()));
  return [order.length, copies];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  let gap = 0.0005;
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--gap') gap = Number(args[++i]);
    else pos.push(args[i]!);
  }
  const [input, out, n] = pos;
  if (!input || !out || !(gap > 0)) {
    process.stderr.write('usage: node dist/bench/replay.js IN.pcap OUT.pcap [PACKETS] [--gap SECONDS]\n');
    process.exit(2);
  }
  const conns = connections(readFileSync(input));
  const [p, c] = await replay(conns, out, Number(n ?? 260000), gap);
  process.stderr.write(`${out}: ${p} packets, ${c} connections (from ${conns.length} recorded)\n`);
}
