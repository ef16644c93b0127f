// Output safety: strings from the wire (SNI, ALPN, certificate names, CA names) are valid JSON with no
// lone surrogate and no invented character; bytes that are not UTF-8 come out as `#hex` (docs/events.md, "Strings
// from the wire"), exactly recoverable; wire strings that are Object.prototype member names stay plain data; and a
// certificate whose subject holds ESC, BEL, CR, NUL and a newline comes out escaped in every output format.

import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event } from '../../lib/events.js';
import { decodeAll } from '../../lib/pipeline.js';
import { decodeExtensions, wireBytes, wireText } from '../../lib/tls/extensions.js';
import { Cursor } from '../../lib/cursor.js';
import { ROOT } from '../support/shared.js';
import { alpnExt, cat, sniExt } from './build.js';
import { certificateWith, handshakeText } from './hostile.js';
import { ALL_EVENTS, checkEvents, hasLoneSurrogate, lineCount, plainJson, runs } from './support.js';

const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

function clientHelloExt(exts: Uint8Array[]): Record<string, unknown>[] {
  const block = cat(...exts);
  return decodeExtensions(Cursor.of(block), 'client_hello').extensions;
}

test('safety: SNI and ALPN bytes that are not UTF-8 (or text that starts with #) come out as # and lower-case hex', () => {
  const [sni, alpn] = clientHelloExt([
    sniExt(Uint8Array.from([0x61, 0xc3, 0x28])),
    alpnExt([Uint8Array.from([0xff]), latin1('#h2'), Uint8Array.from([0xed, 0xa0, 0x80]), Uint8Array.from([0xc0, 0xaf])]),
  ]);
  assert.equal(sni!.server_names, ['#61c328']);
  // 0xff: not UTF-8; '#h2': text that would read as hex; ED A0 80: an encoded surrogate; C0 AF: an overlong '/'.
  assert.equal(alpn!.protocols, ['#ff', '#236832', '#eda080', '#c0af']);
});

test('safety: valid UTF-8 stays text (non-ASCII, a BOM, U+FFFD itself, control characters), escaped only by JSON', () => {
  const names = ['h2', 'http/1.1', 'ünïcødé.example', '\ufeffbom', '\ufffd', 'bell\x07', '😀'];
  const [alpn] = clientHelloExt([alpnExt(names.map((n) => Uint8Array.from(Buffer.from(n, 'utf8'))))]);
  assert.equal(alpn!.protocols, names);
});

test('safety: wireText gives a string with no lone surrogate and no invented U+FFFD for any bytes, and wireBytes gives the bytes back', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 10 }).map((s) => Uint8Array.from(Buffer.from(s, 'utf8'))),
      ),
      (b) => {
        const s = wireText(b);
        assert.not.ok(hasLoneSurrogate(s));
        if (s.includes('\ufffd')) assert.ok(Buffer.from(b).includes(Buffer.from([0xef, 0xbf, 0xbd])), 'U+FFFD only when the bytes hold it');
        assert.equal(Array.from(wireBytes(s)), Array.from(b));
      },
    ),
    { numRuns: runs(3000) },
  );
});

function events(text: string): Event[] {
  const evs = decodeAll(text, ALL_EVENTS);
  const bad = checkEvents(evs, { lines: lineCount(Buffer.from(text, 'latin1')) });
  assert.is(bad, undefined, bad);
  return evs;
}

test('safety: __proto__, constructor and toString as SNI, ALPN, CN and SAN stay plain strings and pollute nothing', () => {
  const evs = events(
    handshakeText(
      [sniExt(latin1('__proto__')), alpnExt([latin1('constructor'), latin1('toString'), latin1('__proto__')])],
      [certificateWith(latin1('__proto__'), latin1('constructor'))],
    ),
  );
  const ch = evs.find((e) => e.type === 'tls.handshake' && e.msg === 'client_hello')!;
  const cert = evs.find((e) => e.type === 'tls.handshake' && e.msg === 'certificate')!;
  const session = evs.find((e) => e.type === 'tls.session')!;
  assert.is(ch.sni, '__proto__');
  assert.equal(ch.alpn, ['constructor', 'toString', '__proto__']);
  const c = (cert.certs as Record<string, unknown>[])[0]!;
  assert.equal([c.subject, c.subject_cn, c.san], ['CN=__proto__', ['__proto__'], ['constructor']]);
  assert.equal([session.sni, session.alpn], ['__proto__', ['constructor', 'toString', '__proto__']]);
  for (const e of evs) {
    assert.is(plainJson(e, e.type), undefined);
    assert.equal(JSON.parse(JSON.stringify(e)), e, 'the event is the same after a JSON round trip');
  }
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort(), Object.getOwnPropertyNames(Object.getPrototypeOf({})).sort());
  assert.is(({} as Record<string, unknown>).constructor, Object, 'Object.prototype.constructor is untouched');
  assert.is(Object.keys(Object.prototype).length, 0, 'nothing enumerable was added to Object.prototype');
});

test('safety: SNI, ALPN and a certificate CN that are not UTF-8 give # forms in the handshake events and the session; JA4 reads the real bytes', () => {
  const evs = events(
    handshakeText(
      [sniExt(Uint8Array.from([0x61, 0xc3, 0x28, 0xff])), alpnExt([Uint8Array.from([0xab, 0xcd])])],
      [certificateWith(Uint8Array.from([0xed, 0xb0, 0x80]), Uint8Array.from([0x61]))],
    ),
  );
  const ch = evs.find((e) => e.type === 'tls.handshake' && e.msg === 'client_hello')!;
  const session = evs.find((e) => e.type === 'tls.session')!;
  assert.equal([ch.sni, ch.alpn, session.sni, session.alpn], ['#61c328ff', ['#abcd'], '#61c328ff', ['#abcd']]);
  // JA4's ALPN part: the first hex digit of the first byte and the last of the last byte (0xAB 0xCD → "ad").
  assert.is(String(ch.ja4).split('_')[0]!.slice(-2), 'ad');
  const cert = (evs.find((e) => e.msg === 'certificate')!.certs as Record<string, unknown>[])[0]!;
  assert.is(cert.subject, 'CN=#0c03edb080', 'lib/x509: an invalid UTF8String is the # form of its DER');
});

/** A certificate whose subject holds ESC, BEL, CR, LF and NUL, and an SNI with an OSC sequence. */
const hostileText = handshakeText(
  [sniExt(latin1('evil\x1b]0;pwned\x07.test'))],
  [certificateWith(latin1('evil\x1b[2J\x07\r\n\x00name'), latin1('x\x1b[31m.test\n'))],
);

test('safety: a certificate subject with ESC, BEL, CR, newline and NUL comes out escaped in every output format', () => {
  const formats: string[][] = [
    ['--format', 'ndjson', '--events', 'all'],
    ['--format', 'text'],
    ['--format', 'ecs'],
  ];
  for (const args of formats) {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tlsdump.js'), ...args], {
      input: hostileText,
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const what = args.join(' ');
    assert.is(r.status, 0, `${what}: ${r.stderr.toString()}`);
    const out = r.stdout;
    assert.ok(out.length > 0, `${what} wrote something`);
    for (const [byte, name] of [
      [0x1b, 'ESC'],
      [0x07, 'BEL'],
      [0x00, 'NUL'],
      [0x0d, 'CR'],
    ] as const) {
      assert.is(out.indexOf(byte), -1, `${what}: no raw ${name} in the output`);
    }
    const text = out.toString('utf8');
    assert.ok(/evil/.test(text), `${what} shows the certificate or SNI`);
    // The subject's newline never starts an output line of its own: "name" is never at the start of a line.
    assert.not.ok(/\n\x00?name/.test(text), `${what}: the subject's newline is escaped`);
    if (args.includes('ndjson') || args.includes('ecs')) {
      for (const line of text.split('\n').filter(Boolean)) assert.type(JSON.parse(line), 'object');
    }
  }
});

test.run();
