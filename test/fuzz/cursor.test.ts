// Property tests (fast-check) of the one bounds-checked reader every decoder uses: whatever the buffer, bounds
// and reads, it never reads outside [start, end), a read that does not fit returns undefined without moving
// and sets `short`, which then stays set, and a read that fits returns exactly the buffer's bytes.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cursor } from '../../lib/cursor.js';
import { runs } from './support.js';

type Op =
  | { op: 'u8' | 'u16' | 'u24' | 'u32' | 'u8Prefixed' | 'u16Prefixed' | 'u24Prefixed' | 'rest' }
  | { op: 'bytes' | 'skip' | 'sub' | 'peek'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>(
    { op: 'u8' },
    { op: 'u16' },
    { op: 'u24' },
    { op: 'u32' },
    { op: 'u8Prefixed' },
    { op: 'u16Prefixed' },
    { op: 'u24Prefixed' },
    { op: 'rest' },
  ),
  fc.record({
    op: fc.constantFrom('bytes' as const, 'skip' as const, 'sub' as const, 'peek' as const),
    n: fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constantFrom(-1e9, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER)),
  }),
);

/** The value a read of `width` bytes at p must give. */
function be(buf: Uint8Array, p: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + buf[p + i]!;
  return v;
}

test('cursor: any sequence of reads stays within [start, end), returns the bytes there, and fails without moving', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(80), fc.nat(80), fc.array(opArb, { maxLength: 30 }), (buf, a, b, ops) => {
      const start = Math.min(a, buf.length);
      const c = Cursor.of(buf, start, start + b);
      const end = c.end;
      assert.ok(end <= buf.length && c.pos === start, 'of() clamps the end to the buffer');
      let wasShort = false;
      for (const o of ops) {
        const before = c.pos;
        const left = end - before;
        const fixed = { u8: 1, u16: 2, u24: 3, u32: 4 } as Record<string, number>;
        let ok: boolean;
        if (o.op in fixed) {
          const w = fixed[o.op]!;
          const v = (c as unknown as Record<string, () => number | undefined>)[o.op]!.call(c);
          ok = w <= left;
          assert.is(v, ok ? be(buf, before, w) : undefined, `${o.op} at ${before} with ${left} left`);
        } else if (o.op === 'bytes') {
          const v = c.bytes(o.n);
          ok = o.n >= 0 && o.n <= left;
          if (ok) assert.equal(Array.from(v!), Array.from(buf.subarray(before, before + o.n)));
          else assert.is(v, undefined);
        } else if (o.op === 'skip') {
          ok = c.skip(o.n);
          assert.is(ok, o.n >= 0 && o.n <= left);
        } else if (o.op === 'sub') {
          const s = c.sub(o.n);
          ok = o.n >= 0 && o.n <= left;
          if (ok) assert.ok(s && s.pos === before && s.end === before + o.n && s.end <= end, 'a sub-cursor lies inside its parent');
          else assert.is(s, undefined);
        } else if (o.op === 'peek') {
          // Offsets ≥ 0 only: peek(-k) may look before the cursor's own start (no decoder calls it so).
          const k = Math.abs(o.n);
          const v = c.peek(k);
          assert.is(v, before + k < end ? buf[before + k] : undefined, `peek(${k}) at ${before}`);
          ok = true;
          assert.is(c.pos, before, 'peek does not move');
        } else if (o.op === 'rest') {
          const r = c.rest();
          ok = true;
          assert.ok(r.pos === before && r.end === end && c.empty);
        } else {
          const width = o.op === 'u8Prefixed' ? 1 : o.op === 'u16Prefixed' ? 2 : 3;
          const s = (c as unknown as Record<string, () => Cursor | undefined>)[o.op]!.call(c);
          const n = width <= left ? be(buf, before, width) : -1;
          ok = n >= 0 && width + n <= left;
          if (ok) assert.ok(s && s.pos === before + width && s.end === before + width + n, `${o.op} gives the region its prefix announces`);
          else assert.is(s, undefined);
          // A length that does not fit still consumed its prefix (as Go's cryptobyte does not): the cursor is short.
          if (!ok) assert.ok(c.pos === before || c.pos === before + width);
        }
        if (!ok && o.op !== 'u8Prefixed' && o.op !== 'u16Prefixed' && o.op !== 'u24Prefixed')
          assert.is(c.pos, before, `a failed ${o.op} does not move`);
        if (!ok) wasShort = true;
        assert.is(c.short, wasShort, 'short is set by a failed read and stays set');
        assert.ok(c.pos >= start && c.pos <= end, 'pos stays within [start, end]');
        assert.is(c.left, end - c.pos);
      }
    }),
    { numRuns: runs(2000) },
  );
});

test('cursor: a region whose end lies before its start reads nothing', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 2, maxLength: 40 }), fc.nat(40), fc.nat(40), (buf, a, b) => {
      const start = Math.max(1, Math.min(a, buf.length));
      const c = Cursor.of(buf, start, Math.min(b, start - 1));
      assert.ok(c.u8() === undefined && c.bytes(0) === undefined && c.sub(0) === undefined && c.u8Prefixed() === undefined && c.peek() === undefined);
      assert.ok(c.short && c.empty && c.rest().left <= 0);
    }),
  );
});

test('cursor: a read never returns a byte from beyond end, even when the buffer goes on', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(40), (buf, cut) => {
      const end = Math.min(cut, buf.length);
      const c = Cursor.of(buf, 0, end);
      const got: number[] = [];
      for (let v = c.u8(); v !== undefined; v = c.u8()) got.push(v);
      assert.equal(got, Array.from(buf.subarray(0, end)));
      assert.ok(c.short && c.u32() === undefined && c.bytes(1) === undefined && c.sub(1) === undefined);
    }),
  );
});

test.run();
