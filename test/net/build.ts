// Builders of link, IP and TCP/UDP headers for decoder tests: bytes laid out field by field from the RFCs, so a
// test states the packet it means instead of a hex blob.

export function bytes(...parts: (number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return new Uint8Array(out);
}

export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

export function v4(addr: string): number[] {
  return addr.split('.').map(Number);
}

/** 16 bytes of an IPv6 address written in full or with `::`. */
export function v6(addr: string): number[] {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => u16(parseInt(g, 16)));
}

export interface TcpOpts {
  seq?: number;
  ack?: number;
  flags?: number;
  win?: number;
  options?: number[];
  payload?: Uint8Array | number[];
}

export function tcp(sport: number, dport: number, o: TcpOpts = {}): Uint8Array {
  const options = o.options ?? [];
  const hl = 20 + options.length;
  return bytes(
    u16(sport),
    u16(dport),
    u32(o.seq ?? 0),
    u32(o.ack ?? 0),
    [(hl / 4) << 4, o.flags ?? 0x10],
    u16(o.win ?? 1024),
    [0, 0, 0, 0],
    options,
    o.payload ?? [],
  );
}

export function udp(sport: number, dport: number, payload: Uint8Array | number[] = []): Uint8Array {
  return bytes(u16(sport), u16(dport), u16(8 + payload.length), [0, 0], payload);
}

export interface Ipv4Opts {
  proto?: number;
  options?: number[];
  /** Fragment offset in bytes (a multiple of 8) and the MF flag. */
  fragOffset?: number;
  more?: boolean;
  /** Overrides the total length field. */
  totalLen?: number;
  id?: number;
}

export function ipv4(src: string, dst: string, payload: Uint8Array, o: Ipv4Opts = {}): Uint8Array {
  const options = o.options ?? [];
  const hl = 20 + options.length;
  const frag = ((o.fragOffset ?? 0) / 8) | (o.more ? 0x2000 : 0) | (0x4000 * Number(!o.more && !o.fragOffset));
  return bytes(
    [0x40 | (hl / 4), 0],
    u16(o.totalLen ?? hl + payload.length),
    u16(o.id ?? 1),
    u16(frag),
    [64, o.proto ?? 6],
    [0, 0],
    v4(src),
    v4(dst),
    options,
    payload,
  );
}

/** An IPv6 packet; `ext` are extension headers already laid out, `next` the first next-header value. */
export function ipv6(src: string, dst: string, payload: Uint8Array, next = 6, payloadLen?: number): Uint8Array {
  return bytes([0x60, 0, 0, 0], u16(payloadLen ?? payload.length), [next, 64], v6(src), v6(dst), payload);
}

/** A generic IPv6 extension header (RFC 8200 §4.2) of 8 * (1 + len) bytes. */
export function ext(next: number, body: number[] = [0, 0, 0, 0, 0, 0]): number[] {
  const total = Math.ceil((body.length + 2) / 8) * 8;
  const padded = [...body, ...Array<number>(total - 2 - body.length).fill(0)];
  return [next, total / 8 - 1, ...padded];
}

export function ether(type: number, payload: Uint8Array, vlans: [number, number][] = []): Uint8Array {
  const tags = vlans.flatMap(([tpid, vid]) => [...u16(tpid), ...u16(vid)]);
  return bytes([0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], tags, u16(type), payload);
}

export function sll(proto: number, payload: Uint8Array): Uint8Array {
  return bytes(u16(0), u16(1), u16(6), [1, 2, 3, 4, 5, 6, 0, 0], u16(proto), payload);
}

export function sll2(proto: number, payload: Uint8Array): Uint8Array {
  return bytes(u16(proto), u16(0), u32(2), u16(1), [4], [6], [1, 2, 3, 4, 5, 6, 0, 0], payload);
}

export function nullLink(af: number, payload: Uint8Array, bigEndian = false): Uint8Array {
  return bytes(bigEndian ? u32(af) : u32(af).reverse(), payload);
}

/** A PPPoE session header (RFC 2516 §4) and the PPP protocol field. */
export function pppoe(ppp: number, payload: Uint8Array, length = payload.length + 2): Uint8Array {
  return bytes([0x11, 0], u16(0x1234), u16(length), u16(ppp), payload);
}

export function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
