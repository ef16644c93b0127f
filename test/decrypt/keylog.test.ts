// The NSS key log index: every label tshark accepts, comments/blank/unknown lines skipped, malformed lines
// reported with their line number, lookups by client random in any case, and a file still being written.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYLOG_LABELS, KeyStore, MAX_KEYLOG_PROBLEMS } from '../../lib/keylog/index.js';

const R1 = 'aa'.repeat(32);
const R2 = 'BB'.repeat(32);
const S32 = '11'.repeat(32);
const S48 = '22'.repeat(48);

function withFile(text: string, f: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tlsdump-keylog-'));
  try {
    const p = join(dir, 'keys.log');
    writeFileSync(p, text);
    f(p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('keylog: every client-random label tshark accepts is indexed by client random', () => {
  const k = new KeyStore();
  k.addText(KEYLOG_LABELS.map((l) => `${l} ${R1} ${l === 'CLIENT_RANDOM' ? S48 : S32}`).join('\n'), 'x');
  const s = k.lookup(R1.toUpperCase())!;
  assert.equal(Object.keys(s).sort(), [...KEYLOG_LABELS].sort());
  assert.is(Buffer.from(s.CLIENT_RANDOM!).toString('hex'), S48);
  assert.equal(k.takeProblems(), []);
});

test('keylog: comments, blank lines, CRLF, unknown labels and RSA lines are skipped without a problem', () => {
  const k = new KeyStore();
  k.addText(`# SSL/TLS secrets log file\r\n\r\n   \nECH_SECRET ${R1} ${S32}\nRSA 0102030405060708 ${S48}\nCLIENT_RANDOM ${R2} ${S48}\r\n`, 'x');
  assert.equal(k.takeProblems(), []);
  assert.ok(k.lookup(R2)?.CLIENT_RANDOM);
  assert.is(k.lookup(R1), undefined);
});

test('keylog: a malformed line becomes one problem with its line number, and the others are still read', () => {
  withFile(
    `# first\nCLIENT_RANDOM ${R1}\nCLIENT_RANDOM zz${R1.slice(2)} ${S48}\nSERVER_TRAFFIC_SECRET_0 ${R2} 123\nCLIENT_RANDOM ${R1} ${S32}\nnot a key log line\nSERVER_TRAFFIC_SECRET_0 ${R2} ${S32}`,
    (p) => {
      const k = new KeyStore([p]);
      const probs = k.takeProblems();
      assert.equal(
        probs.map((x) => x.line),
        [2, 3, 4, 5, 6],
      );
      assert.ok(probs.every((x) => x.source === p));
      assert.ok(/client random/.test(probs[1]!.message), probs[1]!.message);
      assert.ok(k.lookup(R2)?.SERVER_TRAFFIC_SECRET_0);
      assert.equal(k.takeProblems(), [], 'problems are handed out once');
    },
  );
});

test('keylog: a file that is no key log gives at most MAX_KEYLOG_PROBLEMS problems, the last one saying so', () => {
  const k = new KeyStore();
  k.addText(Array.from({ length: 500 }, (_, i) => `line ${i} of prose`).join('\n'), 'notes.txt');
  const probs = k.takeProblems();
  assert.is(probs.length, MAX_KEYLOG_PROBLEMS);
  assert.match(probs[probs.length - 1]!.message, /skipped without a report/);
});

test('keylog: a file that grows (a live key log) is read on from where it ended when a lookup misses', () => {
  withFile(`CLIENT_RANDOM ${R1} ${S48}\nCLIENT_HANDSHAKE`, (p) => {
    // Interval 0: every miss looks again (by default a client random missed before waits KEYLOG_REREAD_INTERVAL_MS).
    const k = new KeyStore([p], 0);
    assert.ok(k.lookup(R1));
    assert.is(k.lookup(R2), undefined);
    // The half-written last line was taken whole at the first read (the file ended there): a word like a label, skipped.
    assert.equal(k.takeProblems(), []);
    appendFileSync(p, `\nSERVER_HANDSHAKE_TRAFFIC_SECRET ${R2} ${S32}\nCLIENT_HANDSHAKE_TRA`);
    assert.ok(k.lookup(R2)?.SERVER_HANDSHAKE_TRAFFIC_SECRET, 'the appended line is found on the miss');
    assert.is(k.lookup(R2, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET')?.CLIENT_HANDSHAKE_TRAFFIC_SECRET, undefined);
    appendFileSync(p, `FFIC_SECRET ${R2} ${S32}\n`);
    assert.ok(k.lookup(R2, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET')?.CLIENT_HANDSHAKE_TRAFFIC_SECRET, 'a line written in two pieces is read whole');
    assert.equal(k.takeProblems(), []);
  });
});

test('keylog: a client random missed before looks again only after the interval (one look per connection, not per record)', () => {
  withFile(`CLIENT_RANDOM ${R1} ${S48}\n`, (p) => {
    const k = new KeyStore([p], 1e9);
    assert.is(k.lookup(R2), undefined);
    appendFileSync(p, `CLIENT_RANDOM ${R2} ${S48}\n`);
    assert.is(k.lookup(R2), undefined, 'the second miss of the same random does not read the file again');
    assert.is(k.lookup('cc'.repeat(32)), undefined, 'a new random reads it again');
    assert.ok(k.lookup(R2), 'and then the appended line is known');
  });
});

test('keylog: an unreadable file is an error at once (a user mistake), not an anomaly', () => {
  assert.throws(() => new KeyStore(['/nonexistent/keys.log']), /cannot read key log/);
});

test.run();
