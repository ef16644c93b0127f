// Every limit in lib/options.ts LIMITS has a named default, a command-line option, and does what it says through that
// option: line length, handshake message size, out-of-order bytes per flow and in total, live flows, certificates per
// chain. The record size is the protocol's own bound (a named constant, not an option): beyond it, tls.malformed.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LIMITS } from '../../lib/options.js';
import { MAX_RECORD } from '../../lib/tls/index.js';
import { ROOT } from '../support/shared.js';
import { cat, clientHelloBody, message, records, TextConn, u24 } from './build.js';
import { certificateWith } from './hostile.js';

interface Ev {
  type: string;
  code?: string;
  line?: number;
  [k: string]: unknown;
}

function tlsdump(input: string | Buffer, args: string[]): Ev[] {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tlsdump.js'), '--events', 'all', ...args], { input, cwd: ROOT, maxBuffer: 1 << 28 });
  assert.is(r.status, 0, r.stderr.toString());
  assert.is(r.stderr.toString(), '');
  return r.stdout
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Ev);
}

const codes = (evs: Ev[], code: string): Ev[] => evs.filter((e) => e.type === 'anomaly' && e.code === code);

test('limits: each has a named default and a command-line flag, listed by --help', () => {
  const want: Record<string, string> = {
    maxLineBytes: '--max-line-bytes',
    maxHandshakeBytes: '--max-handshake-bytes',
    maxFlowBufferBytes: '--max-flow-buffer',
    maxTotalBufferBytes: '--max-total-buffer',
    maxFlows: '--max-flows',
    maxMemoryBytes: '--max-memory',
    maxCertsPerChain: '--max-certs',
  };
  const help = spawnSync(process.execPath, [join(ROOT, 'bin', 'tlsdump.js'), '--help'], { encoding: 'utf8' }).stdout;
  for (const [key, flag] of Object.entries(want)) {
    const spec = LIMITS.find((l) => l.key === key);
    assert.ok(spec, `${key} is in LIMITS`);
    assert.is(spec!.flag, flag);
    assert.ok(Number.isInteger(spec!.default) && spec!.default > 0, `${key} has a default`);
    assert.ok(help.includes(flag), `--help lists ${flag}`);
  }
  // RFC 5246 §6.2.3: TLSCiphertext.length ≤ 2^14 + 2048 (RFC 8446 §5.2's 2^14 + 256 for TLS 1.3 is below it).
  assert.is(MAX_RECORD, (1 << 14) + 2048);
});

test('limits: --max-line-bytes skips a longer line with input.line_too_long at its line; a line at the limit is read', () => {
  const conn = new TextConn().handshake().text();
  const lines = conn.split('\n');
  const long = 'Z'.repeat(301);
  const text = [lines[0], long, ...lines.slice(1)].join('\n');
  const evs = tlsdump(text, ['--max-line-bytes', '300']);
  assert.equal(
    codes(evs, 'input.line_too_long').map((e) => e.line),
    [2],
  );
  const atLimit = tlsdump([lines[0], 'Z'.repeat(300), ...lines.slice(1)].join('\n'), ['--max-line-bytes', '300']);
  assert.equal(codes(atLimit, 'input.line_too_long'), []);
  assert.is(atLimit.filter((e) => e.type === 'packet').length, 3, 'every packet still read');
});

test('limits: the record size bound — a record claiming more than 2^14 + 2048 bytes gives tls.malformed', () => {
  const text = new TextConn()
    .handshake()
    .send('c2s', records(22, message(1, clientHelloBody([]))))
    .send('c2s', cat([23, 3, 3, ...[(MAX_RECORD + 1) >> 8, (MAX_RECORD + 1) & 0xff]], new Uint8Array(100)))
    .fin()
    .text();
  const evs = tlsdump(text, []);
  assert.is(codes(evs, 'tls.malformed').length, 1);
  const ok = new TextConn()
    .handshake()
    .send('c2s', records(22, message(1, clientHelloBody([]))))
    .send('c2s', cat([23, 3, 3, MAX_RECORD >> 8, MAX_RECORD & 0xff], new Uint8Array(MAX_RECORD)))
    .fin()
    .text();
  const evs2 = tlsdump(ok, []);
  assert.equal(codes(evs2, 'tls.malformed'), []);
  assert.ok(
    evs2.some((e) => e.type === 'tls.record' && e.length === MAX_RECORD),
    'a record of exactly the bound is a record',
  );
});

test('limits: --max-handshake-bytes reports a longer message over the limit (tls.limit) and decodes the ones within it', () => {
  const cert = certificateWith(Buffer.from('a.test'), Buffer.from('a.test'));
  const list = cat(u24(cert.length), cert);
  const body = cat(u24(list.length), list);
  const text = new TextConn()
    .handshake()
    .send('c2s', records(22, message(1, clientHelloBody([]))))
    .send('s2c', records(22, message(11, body)))
    .fin()
    .text();
  const small = tlsdump(text, ['--max-handshake-bytes', String(body.length - 1)]);
  assert.is(codes(small, 'tls.limit').length, 1);
  const hs = small.find((e) => e.type === 'tls.handshake' && e.msg === 'certificate')!;
  assert.equal([hs.over_limit, hs.certs], [true, undefined]);
  const exact = tlsdump(text, ['--max-handshake-bytes', String(body.length)]);
  assert.equal(codes(exact, 'tls.limit'), []);
  assert.is((exact.find((e) => e.msg === 'certificate')!.certs as unknown[]).length, 1);
});

/** One connection whose client sends `n` segments of 500 bytes, the first one lost: the rest wait for it. */
function holed(cport: number, n: number): string[] {
  const c = new TextConn({ cport, mss: 500 }).handshake().send('c2s', new Uint8Array(500 * n).fill(0x17));
  c.blocks.splice(3, 1);
  return c.blocks;
}

test('limits: --max-flow-buffer declares the hole lost once a direction buffers more out-of-order bytes (tcp.buffer_limit)', () => {
  const text = holed(40000, 8).join('\n') + '\n';
  const evs = tlsdump(text, ['--max-flow-buffer', '1200']);
  const hit = codes(evs, 'tcp.buffer_limit');
  assert.ok(hit.length >= 1 && hit[0]!.limit === 'maxFlowBufferBytes', JSON.stringify(hit));
  const roomy = tlsdump(text, ['--max-flow-buffer', '100000']);
  assert.equal(codes(roomy, 'tcp.buffer_limit'), []);
});

test('limits: --max-total-buffer bounds out-of-order bytes across flows (tcp.buffer_limit, maxTotalBufferBytes)', () => {
  const blocks = [0, 1, 2, 3, 4, 5].map((i) => holed(41000 + i, 3));
  const mixed: string[] = [];
  for (let k = 0; k < 6; k++) for (const b of blocks) if (b[k] !== undefined) mixed.push(b[k]!);
  const text = mixed.join('\n') + '\n';
  const evs = tlsdump(text, ['--max-total-buffer', '2500']);
  assert.ok(
    codes(evs, 'tcp.buffer_limit').some((e) => e.limit === 'maxTotalBufferBytes'),
    JSON.stringify(codes(evs, 'tcp.buffer_limit')),
  );
  assert.equal(codes(tlsdump(text, []), 'tcp.buffer_limit'), []);
});

test('limits: --max-flows evicts the least recently active flow beyond it (tcp.evicted, end evicted)', () => {
  const conns = [0, 1, 2, 3, 4].map((i) => new TextConn({ cport: 42000 + i }).handshake().blocks);
  const mixed: string[] = [];
  for (let k = 0; k < 3; k++) for (const c of conns) mixed.push(c[k]!);
  const evs = tlsdump(mixed.join('\n') + '\n', ['--max-flows', '2']);
  assert.ok(codes(evs, 'tcp.evicted').length >= 3);
  assert.ok(evs.some((e) => e.type === 'flow' && e.event === 'close' && e.end === 'evicted'));
  assert.equal(codes(tlsdump(mixed.join('\n') + '\n', []), 'tcp.evicted'), []);
});

test('limits: --max-memory evicts the least recently active flows when live flows cost more than it (tcp.evicted)', () => {
  const conns = [0, 1, 2, 3, 4].map((i) => new TextConn({ cport: 43000 + i }).handshake().blocks);
  const mixed: string[] = [];
  for (let k = 0; k < 3; k++) for (const c of conns) mixed.push(c[k]!);
  // Room for about two flows' fixed cost (lib/tcp/index.ts FLOW_BYTES).
  const evs = tlsdump(mixed.join('\n') + '\n', ['--max-memory', '20000']);
  const evicted = codes(evs, 'tcp.evicted');
  assert.ok(evicted.length >= 3);
  assert.match(String(evicted[0]!.message), /maxMemoryBytes/);
  assert.equal(codes(tlsdump(mixed.join('\n') + '\n', []), 'tcp.evicted'), []);
});

test('limits: --max-certs decodes that many certificates of a chain and counts the rest', () => {
  const certs = [0, 1, 2, 3, 4].map((i) => certificateWith(Buffer.from(`c${i}.test`), Buffer.from(`c${i}.test`)));
  const list = cat(...certs.map((c) => cat(u24(c.length), c)));
  const text = new TextConn()
    .handshake()
    .send('c2s', records(22, message(1, clientHelloBody([]))))
    .send('s2c', records(22, message(11, cat(u24(list.length), list))))
    .fin()
    .text();
  const two = tlsdump(text, ['--max-certs', '2']).find((e) => e.msg === 'certificate')!;
  assert.equal([(two.certs as { subject: string }[]).map((c) => c.subject), two.certs_omitted], [['CN=c0.test', 'CN=c1.test'], 3]);
  const all = tlsdump(text, []).find((e) => e.msg === 'certificate')!;
  assert.equal([(all.certs as unknown[]).length, all.certs_omitted], [5, undefined]);
});

test.run();
