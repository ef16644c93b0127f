// SeqBases (lib/text/seqbase.ts): the bases of at most MAX_SEQ_BASES directions are kept, the one set longest ago
// forgotten first, and a base set again counts as new.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ACK, SYN, type Packet } from '../../lib/events.js';
import { MAX_SEQ_BASES, SEQ_RING, SeqBases } from '../../lib/text/seqbase.js';
import type { Summary } from '../../lib/text/summary.js';

const EMPTY = new Uint8Array(0);

/** Client n's address pair: from 10.0.x.y port 40000 to 10.1.0.1:443, TCP over IPv4. */
function ends(n: number) {
  return { ipVersion: 4, src: `10.0.${n >> 8}.${n & 255}`, dst: '10.1.0.1', sport: 40000, dport: 443, proto: 'tcp' } as const;
}

/** A client's SYN on its own port, from 10.0.x.y. */
function syn(n: number, seq: number): Packet {
  return { ...ends(n), seq, ack: 0, flags: SYN, win: 64240, len: 0, payload: EMPTY, truncated: false };
}

/** A summary-only ACK of client n, printed relative: seq 1. */
function ackLine(n: number): Summary {
  return { ...ends(n), flags: ACK, seq: 1, ack: 1, len: 0, style: 4 };
}

test('seqbase: past MAX_SEQ_BASES directions the oldest base goes; one set again stays', () => {
  const s = new SeqBases(64);
  const buf = new Uint8Array(64);
  s.remember(syn(0, 1000), buf, 0, false);
  s.remember(syn(1, 2000), buf, 0, false);
  for (let n = 2; n < 1000; n++) s.remember(syn(n, n * 7), buf, 0, false);
  // Client 0's SYN again (a retransmission): its base is now the newest.
  s.remember(syn(0, 1000), buf, 0, false);
  for (let n = 1000; n <= MAX_SEQ_BASES + 1; n++) s.remember(syn(n, n * 7), buf, 0, false);
  // Clients 1 and 2 were set longest ago and are gone (and long out of the recent-packet ring).
  assert.ok(MAX_SEQ_BASES + 1 > SEQ_RING);
  assert.equal(s.resolve(ackLine(0)), { seq: 1001, ack: 1, relative: true });
  assert.equal(s.resolve(ackLine(1)), { seq: 1, ack: 1, relative: true });
  assert.equal(s.resolve(ackLine(3)).seq, 22);
  assert.equal(s.resolve(ackLine(MAX_SEQ_BASES)).seq, MAX_SEQ_BASES * 7 + 1);
});

test.run();
