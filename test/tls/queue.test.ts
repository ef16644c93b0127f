// The TLS stage's byte queue (lib/tls/queue.ts): an empty queue borrows what is appended, settle() copies what is
// left out of the caller's bytes, and the bytes read are the bytes appended in any chunking.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ByteQueue } from '../../lib/tls/queue.js';

test("queue: after settle() the queue no longer reads the caller's bytes", () => {
  const q = new ByteQueue();
  const chunk = Uint8Array.of(1, 2, 3, 4, 5, 6);
  q.append(chunk);
  q.consume(4);
  q.settle();
  chunk.fill(0);
  assert.equal(Array.from(q.view(0, 2)), [5, 6]);
  assert.is(q.taken, 4);
});

test("queue: a second append copies a borrowed front and never writes into the caller's bytes", () => {
  const q = new ByteQueue();
  const a = Uint8Array.of(1, 2, 3);
  q.append(a);
  q.consume(1);
  q.append(Uint8Array.of(4, 5));
  assert.equal(Array.from(a), [1, 2, 3]);
  assert.equal(Array.from(q.view(0, 4)), [2, 3, 4, 5]);
  const c = q.cursor(1);
  assert.equal([c.u8(), c.u16(), c.u8()], [3, (4 << 8) | 5, undefined]);
  assert.ok(c.short);
});

test('queue: bytes come out as they went in, whatever the chunks, consumes and settles', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(50), fc.boolean()), { maxLength: 30 }), (steps) => {
      const q = new ByteQueue(8);
      const all: number[] = [];
      let front = 0;
      for (const [bytes, take, settle] of steps) {
        const mine = Uint8Array.from(bytes);
        q.append(mine);
        all.push(...bytes);
        const n = Math.min(take, q.length);
        assert.equal(Array.from(q.view(0, n)), all.slice(front, front + n));
        q.consume(n);
        front += n;
        if (settle) q.settle();
        // The caller's bytes may change once it has settled (the TLS stage settles after every segment).
        if (settle) mine.fill(0xee);
        else {
          q.settle();
          mine.fill(0xee);
        }
        assert.is(q.length, all.length - front);
        assert.equal(Array.from(q.view(0, q.length)), all.slice(front));
      }
    }),
  );
});

test('queue: scan() finds the first byte in a range from an offset, after consumes and appends (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }),
      fc.nat(60),
      fc.nat(30),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 8 }),
      (chunks, drop, from, lo, width) => {
        const q = new ByteQueue(4);
        const all: number[] = [];
        for (const c of chunks) {
          q.append(c);
          all.push(...c);
        }
        const n = Math.min(drop, q.length);
        q.consume(n);
        const left = all.slice(n);
        const i = Math.min(from, left.length);
        const hi = Math.min(255, lo + width);
        const k = left.findIndex((b, j) => j >= i && b >= lo && b <= hi);
        assert.is(q.scan(i, lo, hi), k < 0 ? left.length : k);
      },
    ),
  );
});

test.run();
