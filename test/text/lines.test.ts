import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineSplitter } from '../../lib/text/lines.js';

function split(input: string, chunk: number, max = 1000): string[] {
  const out: string[] = [];
  const s = new LineSplitter(max, {
    line: (b, start, end) => out.push(Buffer.from(b.subarray(start, end)).toString('latin1')),
    overlong: (n) => out.push(`<overlong ${n}>`),
  });
  const buf = Buffer.from(input, 'latin1');
  for (let i = 0; i < buf.length; i += chunk) s.push(buf.subarray(i, i + chunk));
  s.end();
  return out;
}

test('lines: every chunk size gives the same lines, CRLF and a missing last newline included', () => {
  const input = 'one\r\ntwo\n\nthree four\nlast';
  const want = ['one', 'two', '', 'three four', 'last'];
  for (let c = 1; c <= input.length + 1; c++) assert.equal(split(input, c), want, `chunk ${c}`);
});

test('lines: a line over the limit is skipped and reported with its length, in any chunking', () => {
  const input = 'ok\n' + 'x'.repeat(50) + '\nafter\n';
  for (let c = 1; c <= 60; c++) {
    const got = split(input, c, 20);
    assert.is(got[0], 'ok');
    assert.ok(/^<overlong \d+>$/.test(got[1]!), `chunk ${c}: ${got[1]}`);
    assert.is(got[2], 'after', `chunk ${c}`);
    assert.is(got.length, 3);
  }
});

test.run();
