import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax, seqMin, seqUnwrap } from '../../lib/seq.js';

const TOP = 0xffffffff;

test('seq: adding wraps past 2^32 - 1 to small numbers', () => {
  assert.is(seqAdd(TOP, 1), 0);
  assert.is(seqAdd(TOP - 9, 20), 10);
  assert.is(seqAdd(5, -10), TOP - 4);
  assert.is(seqAdd(0, 0x100000000), 0);
});

test('seq: the difference is signed and takes the short way round', () => {
  assert.is(seqDiff(10, TOP - 9), 20);
  assert.is(seqDiff(TOP - 9, 10), -20);
  assert.is(seqDiff(1000, 1000), 0);
  assert.is(seqDiff(0x7fffffff, 0), 0x7fffffff);
  assert.is(seqDiff(0x80000000, 0), -0x80000000);
});

test('seq: comparisons hold across the wrap', () => {
  assert.ok(seqLt(TOP, 0));
  assert.ok(seqGt(0, TOP));
  assert.ok(seqLe(TOP, TOP));
  assert.ok(seqGe(3, TOP - 3));
  assert.not.ok(seqLt(3, TOP - 3));
  assert.is(seqMax(TOP - 1, 2), 2);
  assert.is(seqMin(TOP - 1, 2), TOP - 1);
});

test('seq: unwrapping keeps positions growing past 2^32', () => {
  // Reference: sequence number TOP-99 is at position 5_000_000_000.
  assert.is(seqUnwrap(TOP - 99, TOP - 99, 5e9), 5e9);
  assert.is(seqUnwrap(0, TOP - 99, 5e9), 5e9 + 100);
  assert.is(seqUnwrap(TOP - 199, TOP - 99, 5e9), 5e9 - 100);
});

test.run();
