import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Clock, parseStamp, Stamp } from '../../lib/text/stamp.js';

/** Runs lines through one clock: [ts, time, epoch] per line, or null for a line without a stamp. */
function clock(lines: string[]): ([string | undefined, number | undefined, number | undefined] | null)[] {
  const c = new Clock();
  const st = new Stamp();
  return lines.map((line) => {
    const b = Buffer.from(line, 'latin1');
    let p = 0;
    while (b[p] === 32) p++;
    if (parseStamp(b, p, b.length, st) < 0) return null;
    c.set(b, st);
    return [
      c.ts,
      c.time === undefined ? undefined : Math.round(c.time * 1e6) / 1e6,
      c.epoch === undefined ? undefined : Math.round(c.epoch * 1e6) / 1e6,
    ];
  });
}

test('stamp: the default time of day is kept as printed; time counts seconds of the day', () => {
  assert.equal(clock(['19:47:28.512314 IP 10.0.0.80.56637 > 68.233.76.12.443: Flags [S]']), [['19:47:28.512314', 71248.512314, undefined]]);
});

test('stamp: -tt is ISO 8601 UTC with the printed fraction, and an epoch', () => {
  assert.equal(clock(['1357328848.512314 IP 10.0.0.80.56637 > 68.233.76.12.443: Flags [S]']), [
    ['2013-01-04T19:47:28.512314Z', 1357328848.512314, 1357328848.512314],
  ]);
  assert.equal(clock(['1357328848.512314789 IP x'])[0]![0], '2013-01-04T19:47:28.512314789Z');
});

test('stamp: -tttt is ISO 8601 without a zone; its epoch reads the local time as UTC', () => {
  assert.equal(clock(['2013-01-04 19:47:28.512314 IP 10.0.0.80.56637 > 68.233.76.12.443: Flags [S]']), [
    ['2013-01-04T19:47:28.512314', 1357328848.512314, 1357328848.512314],
  ]);
});

test('stamp: -ttt deltas add up to a monotonic clock once one is smaller than the one before', () => {
  const ttt = [' 00:00:00.000000 IP a', ' 00:00:00.036663 IP b', ' 00:00:00.000193 IP c', ' 00:00:01.000000 IP d'];
  const r = clock(ttt);
  assert.equal(
    r.map((x) => x![0]),
    ['00:00:00.000000', '00:00:00.036663', '00:00:00.000193', '00:00:01.000000'],
  );
  assert.equal(
    r.map((x) => x![1]),
    [0, 0.036663, 0.036856, 1.036856],
  );
});

test('stamp: -ttttt (since the first packet) is read as it is', () => {
  const r = clock([' 00:00:00.000000 IP a', ' 00:00:00.036663 IP b', ' 00:00:00.036856 IP c', ' 00:01:00.500000 IP d']);
  assert.equal(
    r.map((x) => x![1]),
    [0, 0.036663, 0.036856, 60.5],
  );
});

test('stamp: a time of day that jumps back by more than half a day is the next day; time never goes back', () => {
  const r = clock(['23:59:59.900000 IP a', '00:00:00.100000 IP b', '00:00:00.050000 IP c']);
  assert.equal(
    r.map((x) => x![1]),
    [86399.9, 86400.1, 86400.1],
  );
});

test('stamp: an IPv4 address, a date in prose or a time without fraction is not a stamp', () => {
  assert.equal(clock(['10.10.10.10.41324 > 10.10.10.11.3306: Flags [S]', '2008-03-02 was a Sunday', '23:45:25 GMT', '12 packets captured']), [
    null,
    null,
    null,
    null,
  ]);
});

test.run();
