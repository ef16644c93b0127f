// pcapng framing (draft-ietf-opsawg-pcapng): a streaming core like PcapReader. Sections (Section Header Block,
// either byte order, several per file), interfaces (Interface Description Block: link type, snap length,
// if_tsresol, if_tsoffset, if_fcslen), and packets (Enhanced, Simple and the obsolete Packet Block) become
// interfaces and records for a CaptureSink. Every other block is passed over without being buffered.

import { BE, Framer, LE, reusedRecord, STOP, type CaptureInterface, type CaptureRecord, type CaptureSink, type Endian } from './framer.js';
import { MAX_PCAP_RECORD } from './reader.js';

/** Block types (draft-ietf-opsawg-pcapng §10.1). The SHB type reads the same in both byte orders. */
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
/** The obsolete Packet Block (§A), still read by libpcap and Wireshark. */
export const PCAPNG_PB = 0x00000002;
export const PCAPNG_SPB = 0x00000003;
export const PCAPNG_EPB = 0x00000006;
/** Decryption Secrets Block (§4.7): secrets type, length, data (e.g. a TLS key log, `editcap --inject-secrets`). */
export const PCAPNG_DSB = 0x0000000a;
/** The SHB's byte-order magic, as written by the writer's host. */
export const PCAPNG_BOM = 0x1a2b3c4d;

/** Options read from an IDB (§4.2). */
const OPT_ENDOFOPT = 0;
const IF_TSRESOL = 9;
const IF_FCSLEN = 13;
const IF_TSOFFSET = 14;

/**
 * Largest block read whole (the packet blocks, SHB and IDB): a record of MAX_PCAP_RECORD bytes with room for
 * its header and options. Larger blocks of those kinds are passed over with `pcap.block_too_large`.
 */
export const MAX_PCAPNG_READ = MAX_PCAP_RECORD + (64 << 10);
/**
 * Largest block length believed at all (libpcap's bound is 16 MiB too). Blocks that are not read are passed
 * over without buffering, so this bounds no memory: a longer length is taken for damage, and reading stops.
 */
export const MAX_PCAPNG_BLOCK = 16 << 20;

/** Interfaces kept per section; IDBs beyond it are reported once and their packets are not decoded. */
export const MAX_PCAPNG_INTERFACES = 1 << 16;
/** Distinct undeclared interface ids reported per section; packets on further ones are skipped silently. */
const MAX_UNDECLARED_REPORTED = 64;

/** How one interface's timestamps turn into seconds and a fraction. */
interface Clock {
  /** Fraction digits handed on (≤ 9). */
  digits: number;
  /** 10^exp for decimal resolutions up to 10^-9, else 0 (BigInt path). */
  divisor: number;
  /** The if_tsresol byte: bit 7 set means 2^-n, else 10^-n. */
  resol: number;
  /** if_tsoffset: seconds added to every timestamp. */
  offset: number;
}

interface Iface extends CaptureInterface {
  clock: Clock;
}

const TWO32 = 0x100000000;
/** Timestamps below hi = 2^21 fit in 53 bits: plain number arithmetic is exact. */
const EXACT_HI = 1 << 21;

export class PcapngReader extends Framer {
  private endian: Endian = LE;
  private section = -1;
  private ifaces: Iface[] = [];
  /** Interface ids of this section already reported as undeclared. */
  private undeclared = new Set<number>();
  private tooManyIfaces = false;
  private frame = 0;
  /** A passed-over block's length, to check its trailing copy against; -1 when none is due. */
  private trailer = -1;
  private readonly rec: CaptureRecord;

  constructor(private readonly sink: CaptureSink) {
    super(MAX_PCAPNG_READ);
    this.rec = reusedRecord();
  }

  protected step(b: Uint8Array, pos: number, end: number): number {
    const avail = end - pos;
    if (this.trailer >= 0) {
      if (avail < 4) return -4;
      const len = this.endian.u32(b, pos);
      if (len !== this.trailer)
        return this.damaged(`the block ending at byte ${this.consumed + 4} repeats its length as ${len}, not ${this.trailer}`);
      this.trailer = -1;
      return 4;
    }
    if (avail < 8) return -8;
    const type = this.endian.u32(b, pos);
    let len: number;
    if (type === PCAPNG_SHB) {
      if (avail < 12) return -12;
      // The byte order of the new section is its byte-order magic's; the block length is written in it.
      const bom = BE.u32(b, pos + 8);
      const e = bom === PCAPNG_BOM ? BE : bom === 0x4d3c2b1a ? LE : undefined;
      if (!e) return this.damaged(`the section header at byte ${this.consumed} has no byte-order magic (0x${bom.toString(16).padStart(8, '0')})`);
      this.endian = e;
      len = e.u32(b, pos + 4);
    } else {
      if (this.section < 0) return this.damaged('not a pcapng file: it does not start with a section header block');
      len = this.endian.u32(b, pos + 4);
    }
    if (len < 12 || len % 4 !== 0 || len > MAX_PCAPNG_BLOCK) {
      return this.damaged(
        `block type 0x${type.toString(16)} at byte ${this.consumed} has length ${len} (a multiple of 4 from 12 to ${MAX_PCAPNG_BLOCK} expected)`,
      );
    }
    const packet = type === PCAPNG_EPB || type === PCAPNG_SPB || type === PCAPNG_PB;
    if (!packet && type !== PCAPNG_SHB && type !== PCAPNG_IDB && type !== PCAPNG_DSB) return this.pass(len);
    if (len > MAX_PCAPNG_READ) {
      if (type === PCAPNG_SHB)
        return this.damaged(`the section header at byte ${this.consumed} is ${len} bytes long, more than the ${MAX_PCAPNG_READ}-byte limit`);
      if (type === PCAPNG_DSB) {
        this.sink.anomaly(
          'pcap.block_too_large',
          `a ${len}-byte decryption secrets block is longer than the ${MAX_PCAPNG_READ}-byte limit: passed over`,
          this.frame + 1,
        );
        return this.pass(len);
      }
      if (packet) this.frame++;
      if (type === PCAPNG_IDB) this.addIface(-1, 0, 6, 6, 0, undefined);
      const what = packet ? `packet block (frame ${this.frame})` : `interface description block (interface ${this.ifaces.length - 1} is not decoded)`;
      this.sink.anomaly(
        'pcap.block_too_large',
        `a ${len}-byte ${what} is longer than the ${MAX_PCAPNG_READ}-byte limit: passed over`,
        packet ? this.frame : this.frame + 1,
      );
      return this.pass(len);
    }
    if (avail < len) return -len;
    const tail = this.endian.u32(b, pos + len - 4);
    if (tail !== len)
      return this.damaged(`block type 0x${type.toString(16)} at byte ${this.consumed} says ${len} bytes at its start and ${tail} at its end`);
    const body = pos + 8;
    const bodyEnd = pos + len - 4;
    if (type === PCAPNG_SHB) this.sectionHeader(b, body, bodyEnd);
    else if (type === PCAPNG_IDB) this.interfaceDescription(b, body, bodyEnd);
    else if (type === PCAPNG_DSB) this.decryptionSecrets(b, body, bodyEnd);
    else this.packet(type, b, body, bodyEnd);
    return len;
  }

  /** §4.7: uint32 Secrets Type, uint32 Secrets Length, Secrets Data (padded to 32 bits), options. */
  private decryptionSecrets(b: Uint8Array, body: number, bodyEnd: number): void {
    if (bodyEnd - body < 8) return this.malformed('a decryption secrets block is shorter than its 8-byte header');
    const type = this.endian.u32(b, body);
    const n = this.endian.u32(b, body + 4);
    if (n > bodyEnd - body - 8) return this.malformed(`a decryption secrets block says ${n} bytes of secrets but holds ${bodyEnd - body - 8}`);
    this.sink.secrets?.(type, b.subarray(body + 8, body + 8 + n), this.frame + 1);
  }

  /** Passes over a block's body without buffering it, then checks its trailing length. */
  private pass(len: number): number {
    this.skipLeft = len - 12;
    this.trailer = len;
    return 8;
  }

  private damaged(message: string): number {
    this.sink.anomaly('pcap.malformed', `${message}: the file is damaged here and the rest of it is not read`, this.frame + 1);
    return STOP;
  }

  private malformed(message: string, frame = this.frame + 1): void {
    this.sink.anomaly('pcap.malformed', message, frame);
  }

  // §4.1: byte-order magic(4) major(2) minor(2) section length(8) options
  private sectionHeader(b: Uint8Array, p: number, end: number): void {
    this.section++;
    this.ifaces = [];
    this.undeclared.clear();
    this.tooManyIfaces = false;
    if (end - p < 16) {
      this.malformed(`section header ${this.section} has a ${end - p}-byte body, shorter than its 16 fixed bytes`);
      return;
    }
    const major = this.endian.u16(b, p + 4);
    const minor = this.endian.u16(b, p + 6);
    if (major !== 1) this.malformed(`section header ${this.section} says pcapng version ${major}.${minor}; read as 1.0`);
  }

  // §4.2: link type(2) reserved(2) snap length(4) options
  private interfaceDescription(b: Uint8Array, p: number, end: number): void {
    const e = this.endian;
    if (end - p < 8) {
      this.malformed(
        `interface description block ${this.ifaces.length} of section ${this.section} has a ${end - p}-byte body, shorter than its 8 fixed bytes: its packets are not decoded`,
      );
      this.addIface(-1, 0, 6, 6, 0, undefined);
      return;
    }
    const linkType = e.u16(b, p);
    const snaplen = e.u32(b, p + 4);
    let resol = 6;
    let offset = 0;
    let fcsLen: number | undefined;
    for (let q = p + 8; q + 4 <= end; ) {
      const code = e.u16(b, q);
      const olen = e.u16(b, q + 2);
      if (code === OPT_ENDOFOPT) break;
      const v = q + 4;
      if (v + olen > end) {
        this.malformed(
          `interface ${this.ifaces.length} of section ${this.section}: option ${code} runs ${v + olen - end} bytes past its block; the options after it are not read`,
        );
        break;
      }
      if (code === IF_TSRESOL && olen >= 1) resol = b[v]!;
      else if (code === IF_FCSLEN && olen >= 1) fcsLen = b[v]!;
      else if (code === IF_TSOFFSET && olen >= 8) {
        const lo = e === LE ? e.u32(b, v) : e.u32(b, v + 4);
        const hi = e === LE ? e.u32(b, v + 4) : e.u32(b, v);
        offset = (hi | 0) * TWO32 + lo;
      }
      q = v + ((olen + 3) & ~3);
    }
    const exp = resol & 0x7f;
    let digits: number;
    if (resol & 0x80) digits = exp === 0 ? 0 : 9;
    else digits = Math.min(exp, 9);
    if ((resol & 0x80 && exp > 63) || (!(resol & 0x80) && exp > 19)) {
      this.malformed(
        `interface ${this.ifaces.length} of section ${this.section}: if_tsresol 0x${resol.toString(16)} cannot be read; microseconds assumed`,
      );
      resol = 6;
      digits = 6;
    }
    this.addIface(linkType, snaplen, resol, digits, offset, fcsLen);
  }

  private addIface(linkType: number, snaplen: number, resol: number, digits: number, offset: number, fcsLen: number | undefined): void {
    if (this.ifaces.length >= MAX_PCAPNG_INTERFACES) {
      if (!this.tooManyIfaces) {
        this.tooManyIfaces = true;
        this.malformed(
          `section ${this.section} declares more than ${MAX_PCAPNG_INTERFACES} interfaces: the packets on the ones after that are skipped`,
        );
      }
      return;
    }
    const decimalSmall = !(resol & 0x80) && resol <= 9;
    const iface: Iface = {
      section: this.section,
      id: this.ifaces.length,
      linkType,
      snaplen,
      digits,
      clock: { digits, divisor: decimalSmall ? 10 ** resol : 0, resol, offset },
    };
    if (fcsLen !== undefined) iface.fcsLen = fcsLen;
    this.ifaces.push(iface);
    this.sink.iface(iface);
  }

  // §4.3 EPB: interface id(4) ts high(4) ts low(4) captured length(4) original length(4) data options
  // §4.4 SPB: original length(4) data (interface 0, no timestamp)
  // §A  PB:  interface id(2) drops count(2) ts high(4) ts low(4) captured length(4) original length(4) data options
  private packet(type: number, b: Uint8Array, p: number, end: number): void {
    const e = this.endian;
    const frame = ++this.frame;
    const r = this.rec;
    r.frame = frame;
    const fixed = type === PCAPNG_SPB ? 4 : 20;
    if (end - p < fixed) {
      this.malformed(`frame ${frame}: a packet block with a ${end - p}-byte body, shorter than its ${fixed} fixed bytes: skipped`, frame);
      return;
    }
    const id = type === PCAPNG_EPB ? e.u32(b, p) : type === PCAPNG_PB ? e.u16(b, p) : 0;
    const iface = this.ifaces[id];
    if (!iface) {
      if (!this.undeclared.has(id) && this.undeclared.size < MAX_UNDECLARED_REPORTED) {
        this.undeclared.add(id);
        this.malformed(`frame ${frame}: packets on interface ${id}, which section ${this.section} does not declare, are skipped`, frame);
      }
      return;
    }
    let caplen: number;
    if (type === PCAPNG_SPB) {
      r.origLen = e.u32(b, p);
      // §4.4: the captured length is the smaller of the original length, the snap length and the block's room.
      caplen = Math.min(r.origLen, end - p - 4);
      if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
      r.timed = false;
      r.sec = 0;
      r.frac = 0;
    } else {
      caplen = e.u32(b, p + 12);
      r.origLen = e.u32(b, p + 16);
      if (caplen > end - p - 20) {
        this.malformed(`frame ${frame}: the packet block says ${caplen} captured bytes but holds ${end - p - 20}: skipped`, frame);
        return;
      }
      r.timed = true;
      this.time(iface.clock, e.u32(b, p + 4), e.u32(b, p + 8), r);
    }
    r.digits = iface.digits;
    r.iface = iface;
    r.data = b.subarray(p + fixed, p + fixed + caplen);
    r.fromInput = this.fromInput;
    this.sink.record(r);
  }

  /** A 64-bit count of the interface's time units since 1970 → whole seconds and a fraction of `digits` digits. */
  private time(c: Clock, hi: number, lo: number, r: CaptureRecord): void {
    const d = c.divisor;
    if (d > 0 && hi < EXACT_HI) {
      const units = hi * TWO32 + lo;
      let sec = Math.floor(units / d);
      let frac = units - sec * d;
      // The division is rounded: put the remainder back in range.
      if (frac < 0) {
        sec--;
        frac += d;
      } else if (frac >= d) {
        sec++;
        frac -= d;
      }
      r.sec = sec + c.offset;
      r.frac = frac;
      return;
    }
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const exp = BigInt(c.resol & 0x7f);
    let sec: bigint;
    let frac: bigint;
    if (c.resol & 0x80) {
      sec = units >> exp;
      frac = c.digits === 0 ? 0n : ((units & ((1n << exp) - 1n)) * 1_000_000_000n) >> exp;
    } else {
      const div = 10n ** exp;
      sec = units / div;
      frac = units % div;
      if (c.digits < Number(exp)) frac /= 10n ** BigInt(Number(exp) - c.digits);
    }
    r.sec = Number(sec) + c.offset;
    r.frac = Number(frac);
  }

  protected override midUnit(): boolean {
    return this.trailer >= 0;
  }

  protected ended(held: number, skipping: number): void {
    const where =
      this.section < 0
        ? `inside the section header (${held} bytes of it)`
        : skipping > 0 || this.trailer >= 0
          ? `inside a block it passes over (${skipping + 4 - held} bytes short)`
          : `inside a block (${held} bytes of it)`;
    this.sink.anomaly('pcap.truncated', `the capture ends ${where}; that part is not decoded`, this.frame + 1);
  }
}
