// Builds pcap files of UDP datagrams over raw IPv4 or IPv6 (LINKTYPE_RAW), for the UDP, QUIC and DTLS tests.

import { pcapFile } from '../pcap/build.js';

export interface Dgram {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Uint8Array;
  /** Capture time in seconds. */
  sec?: number;
}

function v4(a: string): number[] {
  return a.split('.').map(Number);
}

function v6(a: string): number[] {
  const [head, tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** One IP packet (RFC 791 / RFC 8200) carrying a UDP datagram (RFC 768); checksums left zero. */
export function ipUdp(d: Dgram): Buffer {
  const udp = Buffer.alloc(8 + d.payload.length);
  udp.writeUInt16BE(d.sport, 0);
  udp.writeUInt16BE(d.dport, 2);
  udp.writeUInt16BE(udp.length, 4);
  Buffer.from(d.payload).copy(udp, 8);
  if (d.src.includes(':')) {
    const h = Buffer.alloc(40);
    h[0] = 0x60;
    h.writeUInt16BE(udp.length, 4);
    h[6] = 17;
    h[7] = 64;
    Buffer.from(v6(d.src)).copy(h, 8);
    Buffer.from(v6(d.dst)).copy(h, 24);
    return Buffer.concat([h, udp]);
  }
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + udp.length, 2);
  h[8] = 64;
  h[9] = 17;
  Buffer.from(v4(d.src)).copy(h, 12);
  Buffer.from(v4(d.dst)).copy(h, 16);
  return Buffer.concat([h, udp]);
}

/** A pcap of these datagrams, one second apart unless they say when. */
export function udpPcap(ds: Dgram[]): Buffer {
  return pcapFile(
    ds.map((d, i) => ({ sec: d.sec ?? 1_700_000_000 + i, frac: 0, data: ipUdp(d) })),
    { linkType: 101 },
  );
}
