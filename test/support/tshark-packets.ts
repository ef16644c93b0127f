// Test helpers that use tshark as the oracle for stage 2 (tcp): Packet objects built from a pcap with tshark's
// field output (so TCP tests need not wait for the text stage), tshark's tcp.stream per packet, and the bytes of
// `-z follow,tcp,raw,N` per stream and direction. Tests skip, saying so, when tshark or ../shared is absent.

import { execFileSync } from 'node:child_process';
import type { Packet } from '../../lib/events.js';

export interface TsharkPacket {
  packet: Packet;
  /** Wireshark's tcp.stream for the packet. */
  stream: number;
  /** tshark flagged the packet: a new session reused the ports (tcp.analysis.reused_ports). */
  reusedPorts: boolean;
  /** tshark flagged the packet: previous segment not captured (tcp.analysis.lost_segment). */
  lostSegment: boolean;
}

const FIELDS = [
  'frame.number',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.len',
  'tcp.payload',
  'frame.time_epoch',
  'tcp.window_size_value',
  'tcp.stream',
  'tcp.analysis.reused_ports',
  'tcp.analysis.lost_segment',
];

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString('latin1');
}

/**
 * The TCP packets of a capture as Packets, in capture order, with `line` = frame number. TCP quoted inside ICMP
 * errors is left out (it is not part of the connection). For tunnels the innermost addresses are used.
 */
export function tsharkPackets(pcap: string): TsharkPacket[] {
  return parsePackets(tshark(fieldArgs(pcap)));
}

function fieldArgs(pcap: string): string[] {
  const args = ['-r', pcap, '-n', '-T', 'fields', '-E', 'occurrence=l', '-Y', 'tcp && !icmp && !icmpv6'];
  for (const f of FIELDS) args.push('-e', f);
  return args;
}

function parsePackets(text: string): TsharkPacket[] {
  const out: TsharkPacket[] = [];
  for (const row of text.split('\n')) {
    if (!row) continue;
    const c = row.split('\t');
    const [frame, ip4s, ip6s, sport, ip4d, ip6d, dport, seq, ack, flags, len, payloadHex, epoch, win, stream, reused, lost] = c;
    if (!frame || !sport || !dport || seq === undefined || seq === '') continue;
    const payload = new Uint8Array(Buffer.from((payloadHex ?? '').replace(/:/g, ''), 'hex'));
    const wire = Number(len || 0);
    const t = Number(epoch);
    const v6 = !ip4s && Boolean(ip6s);
    const packet: Packet = {
      line: Number(frame),
      ts: new Date(Math.floor(t * 1000)).toISOString(),
      time: t,
      epoch: t,
      ipVersion: v6 ? 6 : 4,
      src: (v6 ? ip6s : ip4s) ?? '',
      dst: (v6 ? ip6d : ip4d) ?? '',
      sport: Number(sport),
      dport: Number(dport),
      proto: 'tcp',
      seq: Number(seq) >>> 0,
      ack: Number(ack || 0) >>> 0,
      flags: parseInt(flags || '0', 16) & 0xff,
      win: Number(win || 0),
      len: wire,
      payload,
      truncated: payload.length < wire,
    };
    out.push({ packet, stream: Number(stream), reusedPorts: Boolean(reused), lostSegment: Boolean(lost) });
  }
  return out;
}

export interface Followed {
  /** `ip:port` of each node as tshark names them (node 0 sent the stream's first packet). */
  nodes: [string, string];
  /** Bytes sent by node 0 and by node 1, concatenated in tshark's order, without tshark's gap markers. */
  bytes: [Buffer, Buffer];
  /** Per node, the byte counts of tshark's `[N bytes missing in capture file]` markers, in order. */
  missing: [number[], number[]];
}

/** tshark writes a hole into the raw bytes as the text `[N bytes missing in capture file]` and a NUL. */
const MISSING = /\[(\d+) bytes missing in capture file\]\x00?/g;

function unmark(b: Buffer): { bytes: Buffer; missing: number[] } {
  const text = b.toString('latin1');
  const missing: number[] = [];
  const parts: Buffer[] = [];
  let at = 0;
  for (const m of text.matchAll(MISSING)) {
    missing.push(Number(m[1]));
    parts.push(b.subarray(at, m.index));
    at = m.index! + m[0].length;
  }
  parts.push(b.subarray(at));
  return { bytes: Buffer.concat(parts), missing };
}

/** tshark's `-z follow,tcp,raw,N` for the given streams (several per tshark run). */
export function tsharkFollow(pcap: string, streams: number[]): Map<number, Followed> {
  const out = new Map<number, Followed>();
  for (let i = 0; i < streams.length; i += 40) {
    const args = ['-r', pcap, '-n', '-q'];
    for (const s of streams.slice(i, i + 40)) args.push('-z', `follow,tcp,raw,${s}`);
    parseFollow(tshark(args), out);
  }
  return out;
}

/**
 * Packets and follow output in one tshark run (each run costs about 0.2 s): follow is asked for streams
 * 0 … guess-1 with the fields, and once more for any stream beyond.
 */
export function tsharkCapture(pcap: string, guess = 64): { packets: TsharkPacket[]; follow: Map<number, Followed> } {
  const args = fieldArgs(pcap);
  for (let s = 0; s < guess; s++) args.push('-z', `follow,tcp,raw,${s}`);
  const text = tshark(args);
  const cut = text.indexOf(RULE);
  const packets = parsePackets(cut < 0 ? text : text.slice(0, cut));
  const follow = new Map<number, Followed>();
  if (cut >= 0) parseFollow(text.slice(cut), follow);
  const rest = [...new Set(packets.map((t) => t.stream))].filter((s) => s >= guess);
  if (rest.length > 0) for (const [k, v] of tsharkFollow(pcap, rest)) follow.set(k, v);
  return { packets, follow };
}

const RULE = '===================================================================\n';

function parseFollow(text: string, out: Map<number, Followed>): void {
  for (const block of text.split(RULE)) {
    const m = /^Follow: tcp,raw\nFilter: tcp\.stream eq (\d+)\nNode 0: (.*)\nNode 1: (.*)\n/.exec(block);
    if (!m || m[2] === ':0') continue;
    const parts: [Buffer[], Buffer[]] = [[], []];
    for (const line of block.slice(m[0].length).split('\n')) {
      if (!line) continue;
      if (line.startsWith('\t')) parts[1].push(Buffer.from(line.slice(1), 'hex'));
      else parts[0].push(Buffer.from(line, 'hex'));
    }
    const n0 = unmark(Buffer.concat(parts[0]));
    const n1 = unmark(Buffer.concat(parts[1]));
    out.set(Number(m[1]), { nodes: [normalise(m[2]!), normalise(m[3]!)], bytes: [n0.bytes, n1.bytes], missing: [n0.missing, n1.missing] });
  }
}

/** The contract writes IPv6 as `[ip]:port` (tshark 4.0 already does; older versions did not). */
function normalise(node: string): string {
  if (node.startsWith('[')) return node;
  const i = node.lastIndexOf(':');
  const ip = node.slice(0, i);
  return ip.includes(':') ? `[${ip}]:${node.slice(i + 1)}` : node;
}
