// What a direction holds is its own copy, so the limits count what stays resident: bytes buffered out of order, kept
// for overlap checks or passed on as owned never keep the packet's backing store (a read chunk, a text slab) alive.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { own } from '../../lib/bytes.js';
import { HalfStream, type HalfHost } from '../../lib/tcp/half.js';
import { ByteQueue } from '../../lib/tls/queue.js';

const CHUNK = 1 << 20;

/** `n` bytes at `at` of one big shared Buffer, as the pcap reader and the text slabs hand payloads out. */
function viewOf(chunk: Buffer, at: number, n: number): Uint8Array {
  for (let i = 0; i < n; i++) chunk[at + i] = (at + i) & 0xff;
  return chunk.subarray(at, at + n);
}

test('own copies out of a Buffer (whose slice() is a view)', () => {
  const chunk = Buffer.alloc(CHUNK);
  const b = own(viewOf(chunk, 100, 16), 2, 10);
  assert.is(b.buffer.byteLength, 8);
  assert.equal(Array.from(b), [102, 103, 104, 105, 106, 107, 108, 109]);
  chunk[102] = 0;
  assert.is(b[0], 102);
});

test('out-of-order and kept bytes do not pin the packet chunk', () => {
  const delivered: { bytes: Uint8Array; owned: boolean }[] = [];
  let held = 0;
  const host: HalfHost = {
    data: (bytes, _at, _gap, _pos, _w, _n, owned) => delivered.push({ bytes, owned }),
    anomaly: () => {},
    memory: (d) => (held += d),
  };
  const h = new HalfStream({ maxBufferBytes: 1 << 20, overlapWindowBytes: 65536, gapGracePackets: 16 }, host);
  const chunk = Buffer.alloc(CHUNK);
  h.syn(999);
  // Bytes 100..300 come before 0..100: they wait, then go out in order.
  h.segment(1100, viewOf(chunk, 5000, 200), 200, { line: 2 }, 2, false);
  assert.is(delivered.length, 0);
  assert.ok(held >= 200);
  h.segment(1000, viewOf(chunk, 9000, 100), 100, { line: 3 }, 3, false);
  assert.is(delivered.length, 2);
  for (const d of delivered) {
    assert.ok(d.owned);
    assert.ok(d.bytes.buffer.byteLength <= 65536, 'a copy of its own, not a view of the chunk');
  }
  assert.equal(Array.from(delivered[1]!.bytes.subarray(0, 3)), [5000 & 0xff, 5001 & 0xff, 5002 & 0xff]);
});

test('an emptied ByteQueue lets its buffer go and earlier views stay intact', () => {
  const q = new ByteQueue();
  q.append(Uint8Array.of(1, 2, 3, 4));
  const v = q.view(0, 4);
  q.consume(4);
  assert.is(q.length, 0);
  q.append(Uint8Array.of(9, 9, 9, 9));
  assert.equal(Array.from(v), [1, 2, 3, 4]);
  assert.equal(Array.from(q.view(0, 4)), [9, 9, 9, 9]);
  // Growing keeps the order of what is held.
  q.consume(1);
  q.append(new Uint8Array(1000).fill(7));
  assert.is(q.length, 1003);
  assert.equal(Array.from(q.view(0, 4)), [9, 9, 9, 7]);
});

test.run();
