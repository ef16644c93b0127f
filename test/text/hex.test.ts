import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HexCursor, parseBareHex, parseHexGroups, parseHexOffset, readFullRow, viewOf } from '../../lib/text/hex.js';
import { rng } from '../support/rng.js';

/** Parses one hex line (leading blanks already skipped, as TextPackets does): offset and bytes, or null. */
function hexLine(line: string): { offset: number; bytes: string } | null {
  const buf = Buffer.from(line, 'latin1');
  const p = buf.indexOf('0x');
  const hc = new HexCursor();
  if (!parseHexOffset(buf, p, buf.length, hc)) return null;
  const dst = new Uint8Array(32);
  const n = parseHexGroups(buf, hc.pos, buf.length, dst, 0, 8 - hc.skippedGroups);
  if (n < 0) return null;
  return { offset: hc.offset, bytes: Buffer.from(dst.subarray(0, n)).toString('hex') };
}

test('hex: a full -x line gives 16 bytes at its offset', () => {
  assert.equal(hexLine('\t0x0010:  4500 003c 8b01 4000 4006 bec1 d8b6 2df6'), { offset: 16, bytes: '4500003c8b0140004006bec1d8b62df6' });
});

test('hex: the ASCII column of -X is never read as bytes, even when it looks like hex', () => {
  // bytes 63 61 66 65 … print as "cafe…": hex digits in the ASCII column
  assert.equal(hexLine('\t0x0040:  6361 6665 6261 6265 6361 6665 6261 6265  cafebabecafebabe'), {
    offset: 64,
    bytes: '63616665626162656361666562616265',
  });
  assert.equal(hexLine('\t0x0010:  6465 6164                                dead'), { offset: 16, bytes: '64656164' });
  assert.equal(hexLine('\t0x0020:  6164 6465 61                               addea'), { offset: 32, bytes: '6164646561' });
});

test('hex: the last group may have 2 digits (an odd byte count), with or without the ASCII column', () => {
  assert.equal(hexLine('\t0x00c0:  257a 4b                                  %zK'), { offset: 0xc0, bytes: '257a4b' });
  assert.equal(hexLine('\t0x00b0:  f4ea 079f bb67 2b29 1411 b495 efad a8'), { offset: 0xb0, bytes: 'f4ea079fbb672b291411b495efada8' });
});

test('hex: trailing blanks and upper-case digits are fine; offsets past 0xffff have more digits', () => {
  assert.equal(hexLine('0x0000:  4500 05BE   '), { offset: 0, bytes: '450005be' });
  assert.equal(hexLine('\t0x10000:  0102 0304'), { offset: 0x10000, bytes: '01020304' });
});

test('hex: groups left blank at the start of a line move its first byte (an excerpt without headers)', () => {
  // "0x0030:" then 2 blank groups: the data starts at 0x34, and only 6 groups follow
  assert.equal(hexLine('        0x0030:            a024 a022 8620 6874 7470 3a2f      .$."..http:/'), {
    offset: 0x34,
    bytes: 'a024a0228620687474703a2f',
  });
});

test('hex: prose after an offset, or an offset without a colon, is not a hex line', () => {
  assert.is(hexLine('0x0030: is where the SSL data starts'), null);
  assert.is(hexLine('0x0063 => 33 items'), null);
  assert.is(hexLine('0x: nothing'), null);
  assert.equal(hexLine('0x0040:'), { offset: 64, bytes: '' });
});

test('hex: groups must be separated by single spaces; a run-on of digits stops the line', () => {
  assert.equal(hexLine('0x0000:  4500 003c8b01 4000'), { offset: 0, bytes: '4500' });
});

test('hex: 3.x lines without offsets are only groups, nothing after them', () => {
  const dst = new Uint8Array(32);
  const line = Buffer.from('4500 0034 8b01 4000 4006 bec1 d8b6 2df6');
  assert.is(parseBareHex(line, 0, line.length, dst, 0), 16);
  assert.is(Buffer.from(dst.subarray(0, 16)).toString('hex'), '450000348b0140004006bec1d8b62df6');
  const odd = Buffer.from('4500 0034 8b   ');
  assert.is(parseBareHex(odd, 0, odd.length, dst, 0), 5);
  for (const prose of ['dead beef is a word', 'face', 'abcd 12', '4500 0034 and more']) {
    const b = Buffer.from(prose);
    assert.is(parseBareHex(b, 0, b.length, dst, 0), -1, prose);
  }
});

/** readFullRow on one line (no '\n'): the bytes at `offset` it took, or null. */
function fullRow(line: string, offset: number): string | null {
  const buf = Buffer.from(line, 'latin1');
  const p = buf.indexOf('0x');
  const dst = new Uint8Array(offset + 16);
  if (p < 0 || readFullRow(buf, viewOf(buf), p, buf.length, offset, viewOf(dst)) !== buf.length) return null;
  return Buffer.from(dst.subarray(offset)).toString('hex');
}

test('hex: the fast path takes full rows of -x and -X at the offset expected, and nothing else', () => {
  const x = '\t0x0010:  4500 003c 8b01 4000 4006 bec1 d8b6 2df6';
  assert.equal(fullRow(x, 16), '4500003c8b0140004006bec1d8b62df6');
  assert.equal(fullRow(x + '  E..<..@.@.....-.', 16), '4500003c8b0140004006bec1d8b62df6');
  assert.equal(fullRow(x, 32), null, 'another offset');
  assert.equal(fullRow(x + ' ', 16), null, 'one space after the groups');
  assert.equal(fullRow(x + '  E..<..@.@....', 16), null, 'a short ASCII column');
  assert.equal(fullRow('\t0x0010:  4500 003c 8b01 4000 4006 bec1 d8b6 2d', 16), null, 'a short row');
  assert.equal(fullRow('\t0x0010:   4500 003c 8b01 4000 4006 bec1 d8b6 2df', 16), null, 'three spaces');
});

test('hex: whatever the fast path takes, parseHexOffset and parseHexGroups read the same way (damaged rows)', () => {
  const rand = rng(14);
  const pool = ' \t0123456789abcdefABCDEFxX:.g\u00ff';
  const rows = ['\t0x0010:  4500 003c 8b01 4000 4006 bec1 d8b6 2df6', '\t0x0010:  4500 003c 8b01 4000 4006 bec1 d8b6 2df6  E..<..@.@.....-.'];
  let taken = 0;
  for (let k = 0; k < 4000; k++) {
    const b = Array.from(Buffer.from(rows[k % 2]!, 'latin1'));
    for (let n = Math.floor(rand() * 3); n > 0; n--) {
      const at = Math.floor(rand() * b.length);
      const what = rand();
      if (what < 0.6) b[at] = pool.charCodeAt(Math.floor(rand() * pool.length));
      else if (what < 0.8) b.splice(at, 1);
      else b.splice(at, 0, b[at]!);
    }
    const line = Buffer.from(b).toString('latin1');
    const got = fullRow(line, 16);
    if (got === null) continue;
    taken++;
    assert.equal(hexLine(line.slice(line.indexOf('0x'))), { offset: 16, bytes: got }, JSON.stringify(line));
  }
  assert.ok(taken > 500, `only ${taken} rows taken`);
});

test.run();
