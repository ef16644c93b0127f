// Stage 1 (capture files): pcap or pcapng bytes → packets. The framing cores (PcapReader, PcapngReader) cut
// records; each record's bytes go through lib/net on its interface's link type, exactly as the text stage
// decodes the bytes of a hex dump, so the two give the same packets for the same capture. Packets carry
// `frame` (1-based) where text packets carry `line`, and `ts` is ISO 8601 UTC from the record's time.

import { anomaly, type Emit, type Origin, type Packet, type Sink } from '../events.js';
import { decodeFrame, isFrame } from '../net/frame.js';
import { framePacket } from '../net/packet.js';
import { LINKTYPE } from '../net/link.js';
import type { Options } from '../options.js';
import { BE, LE, type CaptureInterface, type CaptureRecord, type CaptureSink, type Framer } from './framer.js';
import { PCAPNG_SHB, PcapngReader } from './pcapng.js';
import { isPcapMagic, PcapReader } from './reader.js';
import { MAGIC_BYTES } from './sniff.js';

export { sniffInput, sniffing, SNIFF_BYTES, MAGIC_BYTES, type InputKind } from './sniff.js';
export { PcapReader, MAX_PCAP_RECORD, PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_MODIFIED, pcapFileHeader, pcapRecordHeader } from './reader.js';
export { PcapngReader, MAX_PCAPNG_BLOCK, MAX_PCAPNG_READ, MAX_PCAPNG_INTERFACES } from './pcapng.js';
export type { CaptureInterface, CaptureRecord, CaptureSink } from './framer.js';

/** Link types that lib/net decodes. */
const DECODED = new Set<number>(Object.values(LINKTYPE));
/**
 * DLT_RAW as some old savefiles hold it: 12 on most systems, 14 on OpenBSD and BSD/OS. libpcap hands those
 * values through as DLTs, which are raw IP on the systems that wrote them; Wireshark reads both as raw IP.
 */
const RAW_ALIASES = new Map<number, number>([
  [12, LINKTYPE.RAW],
  [14, LINKTYPE.RAW],
]);

interface LinkState {
  /** The LINKTYPE_ lib/net decodes the frames as; -1 when it decodes none. */
  decodeAs: number;
  reported: boolean;
}

const EMPTY = new Uint8Array(0);
/** '000' … '999': a microsecond fraction is two of them (no number formatting and padding per packet). */
const DIGITS3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

export class PcapPackets {
  private head = EMPTY;
  private reader: Framer | undefined;
  private notCapture = false;
  /** Per interface; weak, so a section's interfaces go when the reader drops them at the next section. */
  private readonly links = new WeakMap<CaptureInterface, LinkState>();
  private lastIface: CaptureInterface | undefined;
  private lastLink: LinkState = { decodeAs: -1, reported: true };
  private readonly sink: CaptureSink;

  /** Monotonic capture clock (`time`), as the text stage keeps it. */
  private lastTime = -Infinity;
  /** A run of truncated packets is reported once, at its first packet. */
  private truncRun = false;
  private isoSecond = NaN;
  private isoPrefix = '';
  // The record being decoded: its origin fields.
  private frame = 0;
  private ts: string | undefined;
  private time: number | undefined;
  private epoch: number | undefined;
  /** The record's origin as framePacket reads it (one object, filled in per packet: the packet copies it out). */
  private readonly at: { frame: number; ts: string | undefined; time: number | undefined; epoch: number | undefined } = {
    frame: 0,
    ts: undefined,
    time: undefined,
    epoch: undefined,
  };
  /** The chunk being read is a Buffer given to push(): payloads cut from it in place are views of it (record). */
  private bufferInput = false;

  constructor(
    readonly opts: Readonly<Options>,
    readonly next: Sink<Packet>,
    readonly emit: Emit,
    /** Decryption Secrets Blocks of a pcapng (type, data, the frame that follows). */
    readonly secrets?: (type: number, data: Uint8Array, frame: number) => void,
  ) {
    this.sink = {
      iface: (i) => this.iface(i),
      record: (r) => this.record(r),
      anomaly: (code, message, frame) => this.emit(anomaly(code, message, { frame })),
      secrets: (type, data, frame) => this.secrets?.(type, data, frame),
    };
  }

  push(given: Uint8Array): void {
    // A Buffer's subarray() and slice() build a FastBuffer (a subclass) each, at several times the cost of a plain
    // Uint8Array view; records and payloads are cut from a plain view of the same memory instead. Payloads taken
    // in place stay views of a Buffer input, as Buffer.slice() made them (record()).
    const chunk = given instanceof Buffer ? new Uint8Array(given.buffer, given.byteOffset, given.byteLength) : given;
    this.bufferInput = given instanceof Buffer;
    if (this.reader) {
      this.reader.push(chunk);
      return;
    }
    if (this.notCapture || chunk.length === 0) return;
    if (this.head.length > 0) this.bufferInput = false;
    const head = this.head.length === 0 ? chunk : concat(this.head, chunk);
    if (head.length < MAGIC_BYTES) {
      this.head = head.slice();
      return;
    }
    this.head = EMPTY;
    const be = BE.u32(head, 0);
    if (be === PCAPNG_SHB) this.reader = new PcapngReader(this.sink);
    else if (isPcapMagic(be) || isPcapMagic(LE.u32(head, 0))) this.reader = new PcapReader(this.sink);
    else {
      this.notCapture = true;
      const first = Array.from(head.subarray(0, MAGIC_BYTES), (x) => x.toString(16).padStart(2, '0')).join(' ');
      this.emit(anomaly('pcap.malformed', `not a pcap or pcapng file (it starts with ${first}): nothing is decoded`, { frame: 1 }));
      return;
    }
    this.reader.push(head);
  }

  end(): void {
    if (this.reader) this.reader.end();
    else if (this.head.length > 0) {
      this.emit(anomaly('pcap.truncated', `the input ends after ${this.head.length} bytes, too short to be a capture file`, { frame: 1 }));
    }
    this.head = EMPTY;
  }

  private iface(i: CaptureInterface): void {
    const lt = RAW_ALIASES.get(i.linkType) ?? i.linkType;
    this.links.set(i, { decodeAs: DECODED.has(lt) ? lt : -1, reported: false });
  }

  private link(i: CaptureInterface): LinkState {
    if (i !== this.lastIface) {
      this.lastIface = i;
      this.lastLink = this.links.get(i) ?? { decodeAs: -1, reported: false };
    }
    return this.lastLink;
  }

  private record(r: CaptureRecord): void {
    this.frame = r.frame;
    this.clock(r);
    const st = this.link(r.iface);
    if (st.decodeAs < 0) {
      if (!st.reported) {
        st.reported = true;
        const i = r.iface;
        const which = this.reader instanceof PcapngReader ? `interface ${i.id}${i.section > 0 ? ` of section ${i.section}` : ''}` : 'the capture';
        const what = i.linkType < 0 ? `the link type of ${which} could not be read` : `${which} has link type ${i.linkType}, which is not decoded`;
        this.emit(anomaly('pcap.link_unsupported', `frame ${r.frame}: ${what}: its packets are skipped`, this.origin()));
      }
      return;
    }
    const data = r.data;
    const n = data.length;
    // The original length bounds the IP packet, as tshark bounds it by the reported length (a frame cut on the
    // wire is not a snap-length cut); a smaller one than the captured length is not believed.
    const f = decodeFrame(data, 0, n, st.decodeAs, r.origLen >= n ? r.origLen : Infinity);
    if (!isFrame(f)) {
      if (f.error === 'not_ip') return;
      if (f.error === 'fragment') {
        if (f.ip && f.ip.proto === 6) {
          this.emit(
            anomaly(
              'ip.fragment',
              `frame ${r.frame}: a later fragment of a TCP packet (IP offset ${f.ip.fragOffset}), not reassembled: skipped`,
              this.origin(),
            ),
          );
        }
        return;
      }
      this.emit(
        anomaly('input.undecodable', `frame ${r.frame}: ${n} captured bytes that decode as no IP packet (${f.message}): skipped`, this.origin()),
      );
      return;
    }
    if (!f.tcp && !f.udp) return;
    const at = this.at;
    at.frame = r.frame;
    at.ts = this.ts;
    at.time = this.time;
    at.epoch = this.epoch;
    // The payload: a view of a Buffer input (the next stages copy what they keep), else a copy (the reader's carry
    // is reused, and a caller's Uint8Array is not ours to hold).
    const payload = this.bufferInput && r.fromInput ? data.subarray(f.payloadStart, f.payloadEnd) : data.slice(f.payloadStart, f.payloadEnd);
    const p = framePacket(f, at, payload, false)!;
    if (p.truncated) {
      if (!this.truncRun) {
        this.truncRun = true;
        const why =
          r.origLen > n
            ? `${n} of ${r.origLen} bytes captured`
            : `the IP length says ${f.ip.totalLen} bytes, the frame has ${f.payloadEnd - f.ipStart}`;
        this.emit(
          anomaly(
            'input.truncated',
            `frame ${r.frame}: packet cut short (${why}); the packets after it cut the same way are not reported one by one`,
            this.origin(),
          ),
        );
      }
    } else this.truncRun = false;
    this.next(p);
  }

  /** `ts`, `time` and `epoch` of the record; `time` never goes backwards. */
  private clock(r: CaptureRecord): void {
    if (!r.timed) {
      this.ts = undefined;
      this.time = undefined;
      this.epoch = undefined;
      return;
    }
    const e = r.digits === 6 ? r.sec + r.frac / 1e6 : r.sec + r.frac / 10 ** r.digits;
    this.epoch = e;
    this.time = e < this.lastTime ? this.lastTime : e;
    this.lastTime = this.time;
    this.ts = this.iso(r.sec, r.frac, r.digits);
  }

  /** ISO 8601 UTC with the record's own fraction digits: 2026-11-27T10:15:02.123456Z. */
  private iso(sec: number, frac: number, digits: number): string | undefined {
    if (sec !== this.isoSecond) {
      const d = new Date(sec * 1000);
      if (Number.isNaN(d.getTime())) return undefined;
      this.isoSecond = sec;
      this.isoPrefix = d.toISOString().slice(0, -5);
    }
    if (digits === 6) return `${this.isoPrefix}.${DIGITS3[(frac / 1000) | 0]}${DIGITS3[frac % 1000]}Z`;
    return digits === 0 ? this.isoPrefix + 'Z' : this.isoPrefix + '.' + String(frac).padStart(digits, '0') + 'Z';
  }

  private origin(): Origin {
    return this.ts === undefined ? { frame: this.frame } : { frame: this.frame, ts: this.ts };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a, 0);
  c.set(b, a.length);
  return c;
}
