// Byte builders for stage-3 tests: TLS records, handshake messages and hellos written from their RFC structs.

import type { Dir, FlowItem } from '../../lib/events.js';

export const u8 = (v: number): number[] => [v & 0xff];
export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const u24 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
export const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
export const vec8 = (b: number[]): number[] => [...u8(b.length), ...b];
export const vec16 = (b: number[]): number[] => [...u16(b.length), ...b];
export const vec24 = (b: number[]): number[] => [...u24(b.length), ...b];
export const ascii = (s: string): number[] => Array.from(Buffer.from(s, 'latin1'));

export const record = (type: number, body: number[], version = 0x0303): number[] => [type, ...u16(version), ...vec16(body)];
export const message = (type: number, body: number[]): number[] => [type, ...vec24(body)];
export const ext = (id: number, body: number[]): number[] => [...u16(id), ...vec16(body)];

/** RFC 8446 §4.1.2 ClientHello with the given suites and extensions. */
export function clientHello(opts: { version?: number; suites?: number[]; exts?: number[][]; sessionId?: number[] } = {}): number[] {
  const body = [
    ...u16(opts.version ?? 0x0303),
    ...new Array(32).fill(7),
    ...vec8(opts.sessionId ?? []),
    ...vec16((opts.suites ?? [0x1301, 0xc02f]).flatMap(u16)),
    ...vec8([0]),
    ...(opts.exts ? vec16(opts.exts.flat()) : []),
  ];
  return message(1, body);
}

/** RFC 8446 §4.1.3 ServerHello. */
export function serverHello(opts: { version?: number; suite?: number; exts?: number[][]; random?: number[]; sessionId?: number[] } = {}): number[] {
  const body = [
    ...u16(opts.version ?? 0x0303),
    ...(opts.random ?? new Array(32).fill(9)),
    ...vec8(opts.sessionId ?? []),
    ...u16(opts.suite ?? 0xc02f),
    0,
    ...(opts.exts ? vec16(opts.exts.flat()) : []),
  ];
  return message(2, body);
}

export const sni = (host: string): number[] => ext(0, vec16([0, ...vec16(ascii(host))]));
export const supportedVersions = (vs: number[]): number[] => ext(43, vec8(vs.flatMap(u16)));
export const selectedVersion = (v: number): number[] => ext(43, u16(v));

/** FlowItems for one flow: open, then each chunk in order, then close. */
export function flowItems(chunks: [Dir, number[], boolean?][], flow = 0): FlowItem[] {
  const items: FlowItem[] = [{ kind: 'open', flow, client: '10.0.0.1:5000', server: '10.0.0.2:443', line: 1 }];
  let line = 2;
  for (const [dir, bytes, afterGap] of chunks)
    items.push({ kind: 'data', flow, dir, bytes: Uint8Array.from(bytes), afterGap: afterGap ?? false, line: line++ });
  items.push({ kind: 'close', flow, client: '10.0.0.1:5000', server: '10.0.0.2:443', end: 'fin', bytes: { c2s: 0, s2c: 0 }, gaps: 0, line });
  return items;
}
