// Classic pcap framing (the libpcap savefile format, draft-ietf-opsawg-pcap): a streaming core that takes file
// bytes in any chunking and hands out one record at a time to a CaptureSink. Both byte orders, micro- and
// nanosecond stamps, and the "modified" (Kuznetsov) variant with its longer record header. Writer helpers too.

import { BE, Framer, LE, reusedRecord, STOP, type CaptureInterface, type CaptureRecord, type CaptureSink, type Endian } from './framer.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Alexey Kuznetsov's patched libpcap: 8 more bytes per record header (ifindex, protocol, pkt_type, pad). */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
const RECORD_HEADER_MODIFIED = 24;

/**
 * Largest captured length accepted in a record. A larger one means a damaged file: pcap has no marks to
 * resynchronise on, so reading stops there, as libpcap does (its limit is 256 KiB for most link types).
 */
export const MAX_PCAP_RECORD = 1 << 18;

/** The link-type field: LINKTYPE_ in the low 16 bits; bit 26 says an FCS of (bits 28-31) × 2 bytes ends each frame. */
const LT_LINKTYPE_MASK = 0xffff;
const LT_FCS_PRESENT = 0x04000000;

export class PcapReader extends Framer {
  private endian: Endian = LE;
  private recHeader = RECORD_HEADER;
  private iface: CaptureInterface | undefined;
  private frame = 0;
  private readonly rec: CaptureRecord;

  constructor(private readonly sink: CaptureSink) {
    super(RECORD_HEADER_MODIFIED + MAX_PCAP_RECORD);
    this.rec = reusedRecord();
  }

  protected step(b: Uint8Array, pos: number, end: number): number {
    if (!this.iface) return this.fileHeader(b, pos, end);
    const hl = this.recHeader;
    if (end - pos < hl) return -hl;
    const e = this.endian;
    const caplen = e.u32(b, pos + 8);
    if (caplen > MAX_PCAP_RECORD) {
      this.sink.anomaly(
        'pcap.malformed',
        `pcap record ${this.frame + 1} (at byte ${this.consumed}) claims ${caplen} captured bytes, more than the ${MAX_PCAP_RECORD}-byte limit: the file is damaged here and the rest of it is not read`,
        this.frame + 1,
      );
      return STOP;
    }
    if (end - pos < hl + caplen) return -(hl + caplen);
    const r = this.rec;
    const iface = this.iface;
    r.frame = ++this.frame;
    r.sec = e.u32(b, pos);
    r.frac = e.u32(b, pos + 4);
    const unit = iface.digits === 9 ? 1e9 : 1e6;
    if (r.frac >= unit) {
      // Not a valid fraction; libpcap passes it on. Carry the whole seconds so that the time stays meaningful.
      r.sec += Math.floor(r.frac / unit);
      r.frac %= unit;
    }
    r.origLen = e.u32(b, pos + 12);
    r.data = b.subarray(pos + hl, pos + hl + caplen);
    r.fromInput = this.fromInput;
    this.sink.record(r);
    return hl + caplen;
  }

  private fileHeader(b: Uint8Array, pos: number, end: number): number {
    if (end - pos < FILE_HEADER) return -FILE_HEADER;
    const le = LE.u32(b, pos);
    const be = BE.u32(b, pos);
    const magic = isPcapMagic(le) ? le : isPcapMagic(be) ? be : -1;
    if (magic < 0) {
      this.sink.anomaly('pcap.malformed', `not a pcap file: the magic number is 0x${be.toString(16).padStart(8, '0')}`, 1);
      return STOP;
    }
    const e = magic === le ? LE : BE;
    this.endian = e;
    this.recHeader = magic === PCAP_MAGIC_MODIFIED ? RECORD_HEADER_MODIFIED : RECORD_HEADER;
    const major = e.u16(b, pos + 4);
    const minor = e.u16(b, pos + 6);
    if (major !== 2) {
      this.sink.anomaly('pcap.malformed', `pcap file header says version ${major}.${minor}; read as 2.4`, 1);
    }
    const lt = e.u32(b, pos + 20);
    const iface: CaptureInterface = {
      section: 0,
      id: 0,
      linkType: lt & LT_LINKTYPE_MASK,
      snaplen: e.u32(b, pos + 16),
      digits: magic === PCAP_MAGIC_NS ? 9 : 6,
    };
    if (lt & LT_FCS_PRESENT) iface.fcsLen = (lt >>> 28) * 2;
    this.iface = iface;
    this.rec.iface = iface;
    this.rec.digits = iface.digits;
    this.sink.iface(iface);
    return FILE_HEADER;
  }

  protected ended(held: number): void {
    const what = this.iface
      ? `inside pcap record ${this.frame + 1} (${held} bytes of it)`
      : `inside the pcap file header (${held} of ${FILE_HEADER} bytes)`;
    this.sink.anomaly('pcap.truncated', `the capture ends ${what}; that part is not decoded`, this.frame + 1);
  }
}

export function isPcapMagic(m: number): boolean {
  return m === PCAP_MAGIC_US || m === PCAP_MAGIC_NS || m === PCAP_MAGIC_MODIFIED;
}

/** A pcap file header for writing (microseconds, little-endian). */
export function pcapFileHeader(linkType: number, snaplen = 262144): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(PCAP_MAGIC_US, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(snaplen, 16);
  b.writeUInt32LE(linkType, 20);
  return b;
}

/** A pcap record header for writing (microseconds, little-endian). */
export function pcapRecordHeader(time: number, caplen: number, origLen: number): Buffer {
  const b = Buffer.alloc(16);
  let sec = Math.floor(time);
  let usec = Math.round((time - sec) * 1e6);
  if (usec === 1e6) {
    sec++;
    usec = 0;
  }
  b.writeUInt32LE(sec, 0);
  b.writeUInt32LE(usec, 4);
  b.writeUInt32LE(caplen, 8);
  b.writeUInt32LE(origLen, 12);
  return b;
}
