// Classic pcap framing (the libpcap savefile format, draft-ietf-opsawg-pcap): a streaming core that takes
// file bytes in any chunking and hands out one record at a time. Both byte orders, micro- and nanosecond stamps.

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;

export interface PcapHeader {
  littleEndian: boolean;
  nanos: boolean;
  snaplen: number;
  linkType: number;
}

export interface PcapRecord {
  /** 1-based frame number. */
  frame: number;
  /** Seconds since the epoch, with the fraction. */
  time: number;
  /** Length on the wire. */
  origLen: number;
  /** The captured bytes (a view; copy before keeping). */
  data: Uint8Array;
}

export interface PcapSink {
  header(h: PcapHeader): void;
  record(r: PcapRecord): void;
  /** The input is not pcap, or a record header is damaged; decoding stops. */
  error(message: string, frame: number): void;
}

/** Largest record accepted; a larger caplen means a damaged file (libpcap uses 256 KiB for most link types). */
export const MAX_PCAP_RECORD = 1 << 18;

export class PcapReader {
  private buf = Buffer.alloc(0);
  private hdr: PcapHeader | undefined;
  private frame = 0;
  private failed = false;

  constructor(private readonly sink: PcapSink) {}

  push(chunk: Uint8Array): void {
    if (this.failed) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let pos = 0;
    const b = this.buf;
    if (!this.hdr) {
      if (b.length < 24) return;
      const magicBE = b.readUInt32BE(0);
      const magicLE = b.readUInt32LE(0);
      let le: boolean;
      let nanos: boolean;
      if (magicLE === PCAP_MAGIC_US || magicLE === PCAP_MAGIC_NS) {
        le = true;
        nanos = magicLE === PCAP_MAGIC_NS;
      } else if (magicBE === PCAP_MAGIC_US || magicBE === PCAP_MAGIC_NS) {
        le = false;
        nanos = magicBE === PCAP_MAGIC_NS;
      } else {
        this.fail('not a pcap file (bad magic number)');
        return;
      }
      const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
      this.hdr = { littleEndian: le, nanos, snaplen: u32(16), linkType: u32(20) & 0x0fffffff };
      this.sink.header(this.hdr);
      pos = 24;
    }
    const h = this.hdr;
    const u32 = (o: number) => (h.littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
    while (b.length - pos >= 16) {
      const caplen = u32(pos + 8);
      const origLen = u32(pos + 12);
      if (caplen > MAX_PCAP_RECORD) {
        this.fail(`record ${this.frame + 1} claims ${caplen} captured bytes (limit ${MAX_PCAP_RECORD})`);
        return;
      }
      if (b.length - pos - 16 < caplen) break;
      const time = u32(pos) + u32(pos + 4) / (h.nanos ? 1e9 : 1e6);
      this.frame++;
      this.sink.record({ frame: this.frame, time, origLen, data: b.subarray(pos + 16, pos + 16 + caplen) });
      pos += 16 + caplen;
    }
    this.buf = pos >= b.length ? Buffer.alloc(0) : Buffer.from(b.subarray(pos));
  }

  end(): void {
    if (!this.failed && this.buf.length > 0) {
      this.sink.error(`the file ends inside record ${this.frame + 1} (${this.buf.length} bytes left)`, this.frame + 1);
    }
  }

  private fail(message: string): void {
    this.failed = true;
    this.sink.error(message, this.frame + 1);
  }
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
  const sec = Math.floor(time);
  b.writeUInt32LE(sec, 0);
  b.writeUInt32LE(Math.round((time - sec) * 1e6), 4);
  b.writeUInt32LE(caplen, 8);
  b.writeUInt32LE(origLen, 12);
  return b;
}
