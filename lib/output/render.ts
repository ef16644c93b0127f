// Turns stage items into output events: a Packet into a `packet` event, a FlowItem into a `flow` event.

import { origin, type Event, type FlowItem, type Packet } from '../events.js';

// tcpdump's order and letters for TCP flags (print-tcp.c tcp_flag_values): F S R P . U E W
const FLAG_LETTERS: readonly [number, string][] = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
];

const FLAG_STRINGS: string[] = [];
for (let f = 0; f < 256; f++) {
  let s = '';
  for (const [bit, letter] of FLAG_LETTERS) if (f & bit) s += letter;
  FLAG_STRINGS.push(s || 'none');
}

/** TCP flag bits as tcpdump prints them: `S`, `S.`, `P.`, `F.`, `R`, `.`. */
export function flagLetters(flags: number): string {
  return FLAG_STRINGS[flags & 0xff]!;
}

export function packetEvent(p: Packet): Event {
  const ev: Event = {
    type: 'packet',
    ...origin(p),
    src: p.src,
    dst: p.dst,
    sport: p.sport,
    dport: p.dport,
    proto: p.proto,
  };
  if (p.proto === 'tcp') {
    ev.seq = p.seq;
    ev.ack = p.ack;
    ev.flags = flagLetters(p.flags);
    ev.win = p.win;
  }
  ev.len = p.len;
  ev.captured = p.payload.length;
  if (p.truncated) ev.truncated = true;
  if (p.seqRelative) ev.seq_relative = true;
  if (p.fragment) ev.fragment = true;
  return ev;
}

export function flowEvent(item: FlowItem): Event {
  if (item.kind === 'open') {
    return { type: 'flow', ...origin(item), flow: item.flow, event: 'open', client: item.client, server: item.server };
  }
  if (item.kind === 'close') {
    return { type: 'flow', ...origin(item), flow: item.flow, event: 'close', client: item.client, server: item.server, bytes: item.bytes, gaps: item.gaps, end: item.end };
  }
  throw new TypeError('flowEvent takes open and close items');
}
