// A decoded frame as the pipeline's Packet: the one place where link/IP/TCP decoding meets the stage shape,
// shared by the text and the pcap readers.

import type { Origin, Packet } from '../events.js';
import type { Frame } from './frame.js';

/**
 * The Packet of a TCP or UDP frame, or undefined for other protocols. `payload` is the captured payload,
 * already copied out by the caller as its buffers require; `truncated` adds the caller's own reasons.
 */
export function framePacket(f: Frame, at: Origin, payload: Uint8Array, truncated: boolean): Packet | undefined {
  const tcp = f.tcp;
  const udp = f.udp;
  if (!tcp && !udp) return undefined;
  // One object literal per reader, with no spread: V8 gives every packet the same hidden class and builds it in
  // one allocation (a spread of `at` followed by the other fields cost several microseconds per packet).
  const ip = f.ip;
  const sport = tcp ? tcp.sport : udp!.sport;
  const dport = tcp ? tcp.dport : udp!.dport;
  const proto = tcp ? 'tcp' : 'udp';
  const seq = tcp ? tcp.seq : 0;
  const ack = tcp ? tcp.ack : 0;
  const flags = tcp ? tcp.flags : 0;
  const win = tcp ? tcp.win : 0;
  const cut = f.truncated || truncated;
  const p: Packet =
    at.frame === undefined
      ? {
          line: at.line,
          ts: at.ts,
          time: at.time,
          epoch: at.epoch,
          ipVersion: ip.version,
          src: ip.src,
          dst: ip.dst,
          sport,
          dport,
          proto,
          seq,
          ack,
          flags,
          win,
          len: f.len,
          payload,
          truncated: cut,
        }
      : {
          frame: at.frame,
          ts: at.ts,
          time: at.time,
          epoch: at.epoch,
          ipVersion: ip.version,
          src: ip.src,
          dst: ip.dst,
          sport,
          dport,
          proto,
          seq,
          ack,
          flags,
          win,
          len: f.len,
          payload,
          truncated: cut,
        };
  if (f.fragment) p.fragment = true;
  return p;
}
