// Builders of pcap and pcapng files for tests, laid out field by field from draft-ietf-opsawg-pcap and
// draft-ietf-opsawg-pcapng in either byte order, plus a minimal reader of classic pcap records (independent of
// lib/pcap) to rewrite real captures into other variants, and helpers to run the capture stage.

import { PcapPackets } from '../../lib/pcap/index.js';
import type { CaptureInterface, CaptureRecord, CaptureSink } from '../../lib/pcap/framer.js';
import type { Event, Packet } from '../../lib/events.js';
import { defaultOptions, type Options } from '../../lib/options.js';

export interface Rec {
  sec: number;
  /** Fraction in the file's units (µs or ns). */
  frac: number;
  data: Uint8Array;
  /** Length on the wire; the data length when absent. */
  origLen?: number;
}

function w16(le: boolean, v: number): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}

function w32(le: boolean, v: number): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

function w64(le: boolean, v: bigint): Buffer {
  const b = Buffer.alloc(8);
  if (le) b.writeBigUInt64LE(BigInt.asUintN(64, v));
  else b.writeBigUInt64BE(BigInt.asUintN(64, v));
  return b;
}

export interface PcapOpts {
  le?: boolean;
  nanos?: boolean;
  /** The Kuznetsov "modified" format: 8 more bytes per record header. */
  modified?: boolean;
  linkType?: number;
  snaplen?: number;
  version?: [number, number];
}

/** A classic pcap file. */
export function pcapFile(recs: Rec[], o: PcapOpts = {}): Buffer {
  const le = o.le ?? true;
  const magic = o.modified ? 0xa1b2cd34 : o.nanos ? 0xa1b23c4d : 0xa1b2c3d4;
  const [major, minor] = o.version ?? [2, 4];
  const parts: Buffer[] = [
    w32(le, magic),
    w16(le, major),
    w16(le, minor),
    w32(le, 0),
    w32(le, 0),
    w32(le, o.snaplen ?? 262144),
    w32(le, o.linkType ?? 1),
  ];
  for (const r of recs) {
    parts.push(w32(le, r.sec), w32(le, r.frac), w32(le, r.data.length), w32(le, r.origLen ?? r.data.length));
    if (o.modified) parts.push(w32(le, 3), w16(le, 0x0800), Buffer.from([0, 0]));
    parts.push(Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}

/** The records of a classic pcap file (either byte order), read with nothing from lib/pcap. */
export function readPcap(file: Uint8Array): { linkType: number; nanos: boolean; snaplen: number; recs: Rec[] } {
  const b = Buffer.from(file.buffer, file.byteOffset, file.length);
  const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const magic = u32(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error('not a classic pcap');
  const recs: Rec[] = [];
  let p = 24;
  while (p + 16 <= b.length) {
    const cap = u32(p + 8);
    recs.push({ sec: u32(p), frac: u32(p + 4), origLen: u32(p + 12), data: b.subarray(p + 16, p + 16 + cap) });
    p += 16 + cap;
  }
  return { linkType: u32(20) & 0xffff, nanos: magic === 0xa1b23c4d, snaplen: u32(16), recs };
}

// ---- pcapng ----

export function pad4(b: Uint8Array): Buffer {
  const n = (4 - (b.length % 4)) % 4;
  return Buffer.concat([Buffer.from(b), Buffer.alloc(n)]);
}

/** One option: code, length, value padded to 32 bits (§3.5). */
export function option(le: boolean, code: number, value: Uint8Array | number[]): Buffer {
  const v = Uint8Array.from(value);
  return Buffer.concat([w16(le, code), w16(le, v.length), pad4(v)]);
}

export const END_OF_OPTIONS = (le: boolean): Buffer => Buffer.concat([w16(le, 0), w16(le, 0)]);

/** A block: type, total length, body padded to 32 bits, total length again (§3.1). */
export function block(le: boolean, type: number, body: Uint8Array, lengthOverride?: { head?: number; tail?: number }): Buffer {
  const b = pad4(body);
  const len = 12 + b.length;
  return Buffer.concat([w32(le, type), w32(le, lengthOverride?.head ?? len), b, w32(le, lengthOverride?.tail ?? len)]);
}

export function shb(le: boolean, o: { major?: number; minor?: number; options?: Buffer[] } = {}): Buffer {
  const opts = o.options ? Buffer.concat([...o.options, END_OF_OPTIONS(le)]) : Buffer.alloc(0);
  return block(le, 0x0a0d0d0a, Buffer.concat([w32(le, 0x1a2b3c4d), w16(le, o.major ?? 1), w16(le, o.minor ?? 0), w64(le, -1n), opts]));
}

export interface IdbOpts {
  snaplen?: number;
  /** if_tsresol byte. */
  tsresol?: number;
  /** if_tsoffset, seconds. */
  tsoffset?: bigint;
  fcslen?: number;
  /** More options, before the ones above. */
  extra?: Buffer[];
  /** Leave out opt_endofopt. */
  noEnd?: boolean;
}

export function idb(le: boolean, linkType: number, o: IdbOpts = {}): Buffer {
  const opts: Buffer[] = [...(o.extra ?? [])];
  if (o.tsresol !== undefined) opts.push(option(le, 9, [o.tsresol]));
  if (o.tsoffset !== undefined) opts.push(option(le, 14, w64(le, o.tsoffset)));
  if (o.fcslen !== undefined) opts.push(option(le, 13, [o.fcslen]));
  if (opts.length > 0 && !o.noEnd) opts.push(END_OF_OPTIONS(le));
  return block(le, 1, Buffer.concat([w16(le, linkType), w16(le, 0), w32(le, o.snaplen ?? 0), ...opts]));
}

/** An Enhanced Packet Block; `units` counts the interface's time units since 1970. */
export function epb(
  le: boolean,
  ifid: number,
  units: bigint,
  data: Uint8Array,
  origLen = data.length,
  options: Buffer[] = [],
  caplen = data.length,
): Buffer {
  const opts = options.length ? Buffer.concat([...options, END_OF_OPTIONS(le)]) : Buffer.alloc(0);
  return block(
    le,
    6,
    Buffer.concat([
      w32(le, ifid),
      w32(le, Number(units >> 32n)),
      w32(le, Number(units & 0xffffffffn)),
      w32(le, caplen),
      w32(le, origLen),
      pad4(data),
      opts,
    ]),
  );
}

export function spb(le: boolean, data: Uint8Array, origLen = data.length): Buffer {
  return block(le, 3, Buffer.concat([w32(le, origLen), pad4(data)]));
}

/** The obsolete Packet Block (appendix A). */
export function opb(le: boolean, ifid: number, units: bigint, data: Uint8Array, origLen = data.length): Buffer {
  return block(
    le,
    2,
    Buffer.concat([
      w16(le, ifid),
      w16(le, 0),
      w32(le, Number(units >> 32n)),
      w32(le, Number(units & 0xffffffffn)),
      w32(le, data.length),
      w32(le, origLen),
      pad4(data),
    ]),
  );
}

// ---- running the stages ----

export interface Framed {
  ifaces: CaptureInterface[];
  recs: { frame: number; iface: number; section: number; timed: boolean; sec: number; frac: number; digits: number; origLen: number; data: string }[];
  anomalies: { code: string; message: string; frame: number }[];
}

/** A sink that keeps copies of everything a framing core hands out. */
export function recorder(): { sink: CaptureSink; out: Framed } {
  const out: Framed = { ifaces: [], recs: [], anomalies: [] };
  const sink: CaptureSink = {
    iface: (i) => out.ifaces.push({ ...i }),
    record: (r: CaptureRecord) =>
      out.recs.push({
        frame: r.frame,
        iface: r.iface.id,
        section: r.iface.section,
        timed: r.timed,
        sec: r.sec,
        frac: r.frac,
        digits: r.digits,
        origLen: r.origLen,
        data: Buffer.from(r.data).toString('hex'),
      }),
    anomaly: (code, message, frame) => out.anomalies.push({ code, message, frame }),
  };
  return { sink, out };
}

/** Pushes `input` into a core whole (chunk 0) or in chunks of `chunk` bytes, then ends it. */
export function feed(core: { push(c: Uint8Array): void; end(): void }, input: Uint8Array, chunk = 0): void {
  if (chunk <= 0) core.push(input);
  else for (let i = 0; i < input.length; i += chunk) core.push(input.subarray(i, i + chunk));
  core.end();
}

export interface Stage {
  packets: Packet[];
  events: Event[];
  /** Both, in the order they came out. */
  all: (Packet | Event)[];
}

/** Runs PcapPackets over a whole input, optionally in chunks. */
export function pcapStage(input: Uint8Array, chunk = 0, opts: Partial<Options> = {}): Stage {
  const out: Stage = { packets: [], events: [], all: [] };
  const pp = new PcapPackets(
    defaultOptions(opts),
    (p) => {
      out.packets.push(p);
      out.all.push(p);
    },
    (e) => {
      out.events.push(e);
      out.all.push(e);
    },
  );
  feed(pp, input, chunk);
  return out;
}

/** A packet as plain data for deep comparison: payload as hex, `line`/`frame` left out unless asked. */
export function plainPacket(p: Packet, keepOrigin = false): Record<string, unknown> {
  const o: Record<string, unknown> = { ...p, payload: Buffer.from(p.payload).toString('hex') };
  if (!keepOrigin) {
    delete o.line;
    delete o.frame;
  }
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
