// Generates a flood of half-open TLS connections as pcap: each connection is cut after its
// ClientHello and the first segment of the server's flight, the next server segment is missing and the ones after
// it (held out-of-order data) do arrive; no FIN, no RST. Many connections are open at once, so a decoder holds a
// partial record and out-of-order bytes for every live flow until the flow limit evicts it.
//
// usage: node dist/bench/flood.js OUT.pcap [CONNECTIONS] [--held BYTES] [--window N] [--seed N]
// CONNECTIONS: default 100000; --held: out-of-order bytes after the hole (default 8000); --window: connections
// interleaved packet by packet (default 2000). Text: `tcpdump -nn -XX -r OUT.pcap > OUT.txt`.

import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pcapFileHeader, pcapRecordHeader } from '../lib/pcap/reader.js';
import { frame, loadTemplate, rng } from './gen.js';

const MSS = 1448;
const LINKTYPE_ETHERNET = 1;

export interface FloodOptions {
  connections: number;
  held: number;
  window: number;
  seed: number;
}

export const FLOOD_DEFAULT: FloodOptions = { connections: 100_000, held: 8000, window: 2000, seed: 1 };

/** The frames of connection `k`, in send order. */
function connection(k: number, hello: Buffer, flight: Buffer, held: number, rand: () => number): Buffer[] {
  const cli = (10 << 24) | (((k >> 16) & 0xff) << 16) | (((k >> 8) & 0xff) << 8) | (k & 0xff) | (1 << 23);
  const srv = (10 << 24) | (2 << 16) | 1;
  const sport = 1024 + (k % 60000);
  let c = (rand() * 0x100000000) >>> 0;
  let s = (rand() * 0x100000000) >>> 0;
  let ts = (rand() * 1e9) >>> 0;
  const none = new Uint8Array(0);
  const out: Buffer[] = [];
  const c2s = (seq: number, ack: number, flags: number, p: Uint8Array) => out.push(frame(cli, srv, sport, 443, seq, ack, flags, p, ts++));
  const s2c = (seq: number, ack: number, flags: number, p: Uint8Array) => out.push(frame(srv, cli, 443, sport, seq, ack, flags, p, ts++));
  c2s(c, 0, 0x02, none);
  s2c(s, c + 1, 0x12, none);
  c++;
  s++;
  c2s(c, s, 0x10, none);
  c2s(c, s, 0x18, hello);
  const ca = c + hello.length;
  s2c(s, ca, 0x10, none);
  // The server's flight, then application data records standing for the rest of what it sent: the first segment
  // arrives, the second is lost, the rest arrive and wait behind the hole.
  const body = Buffer.alloc(held);
  for (let i = 0; i < held; i += 4) body.writeUInt32LE((rand() * 0x100000000) >>> 0, i & ~3);
  for (let pos = 0; pos + 5 < held; pos += 5 + 4000) {
    body[pos] = 23;
    body[pos + 1] = 3;
    body[pos + 2] = 3;
    body.writeUInt16BE(Math.min(4000, held - pos - 5), pos + 3);
  }
  const data = Buffer.concat([flight, body]);
  for (let off = 0, i = 0; off < data.length; off += MSS, i++) {
    if (i !== 1) s2c(s + off, ca, 0x18, data.subarray(off, off + MSS));
    if (i >= 2 && i % 2 === 0) c2s(ca, s + MSS, 0x10, none); // duplicate ACKs for the hole
  }
  return out;
}

/** Writes the flood; returns the frame count. */
export async function flood(out: string, o: FloodOptions = FLOOD_DEFAULT): Promise<number> {
  const rand = rng(o.seed);
  const tpl = loadTemplate();
  const hello = tpl.find((f) => f.dir === 'c2s')!.bytes;
  const flight = tpl.find((f) => f.dir === 's2c')!.bytes;
  const ws = createWriteStream(out, { highWaterMark: 1 << 22 });
  const write = (b: Buffer) => (ws.write(b) ? undefined : new Promise<void>((r) => ws.once('drain', () => r())));
  await write(pcapFileHeader(LINKTYPE_ETHERNET));
  let frames = 0;
  let t = 1_780_000_000;
  for (let k0 = 0; k0 < o.connections; k0 += o.window) {
    // A window of connections interleaved packet by packet, as many clients arriving at once.
    const conns: Buffer[][] = [];
    for (let k = k0; k < Math.min(o.connections, k0 + o.window); k++) conns.push(connection(k, hello, flight, o.held, rand));
    const longest = Math.max(...conns.map((x) => x.length));
    for (let i = 0; i < longest; i++) {
      for (const c of conns) {
        const f = c[i];
        if (!f) continue;
        t += 0.00001;
        const p = write(pcapRecordHeader(t, f.length, f.length));
        if (p !== undefined) await p;
        const q = write(f);
        if (q !== undefined) await q;
        frames++;
      }
    }
  }
  await new Promise<void>((r) => ws.end(() => r()));
  return frames;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const o = { ...FLOOD_DEFAULT };
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--held') o.held = Number(args[++i]);
    else if (a === '--window') o.window = Number(args[++i]);
    else if (a === '--seed') o.seed = Number(args[++i]);
    else if (out === undefined) out = a;
    else o.connections = Number(a);
  }
  if (!out || !(o.connections > 0) || !(o.held >= 0) || !(o.window > 0)) {
    process.stderr.write('usage: node dist/bench/flood.js OUT.pcap [CONNECTIONS] [--held BYTES] [--window N] [--seed N]\n');
    process.exit(2);
  }
  const n = await flood(out, o);
  process.stderr.write(`${out}: ${n} frames\n`);
}
