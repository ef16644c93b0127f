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
  const p: Packet = {
    ...at,
    ipVersion: f.ip.version,
    src: f.ip.src,
    dst: f.ip.dst,
    sport: tcp ? tcp.sport : udp!.sport,
    dport: tcp ? tcp.dport : udp!.dport,
    proto: tcp ? 'tcp' : 'udp',
    seq: tcp ? tcp.seq : 0,
    ack: tcp ? tcp.ack : 0,
    flags: tcp ? tcp.flags : 0,
    win: tcp ? tcp.win : 0,
    len: f.len,
    payload,
    truncated: f.truncated || truncated,
  };
  if (f.fragment) p.fragment = true;
  return p;
}
