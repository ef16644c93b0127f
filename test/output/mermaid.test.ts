import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '../../lib/events.js';
import type { CertificateEntry } from '../../lib/messages.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { Ladders, type Ladder } from '../../lib/output/ladder.js';
import { MermaidFormatter, MERMAID_NEEDS, mermaidText, wrapText } from '../../lib/output/mermaid.js';
import { sanitize } from '../../lib/output/sanitize.js';
import { FIXTURES } from '../support/shared.js';
import { EVIL_STRINGS, evilConnection } from './evil.js';

function eventsOf(name: string): Event[] {
  return decodeAll(readFileSync(join(FIXTURES, `${name}.pcap`)), defaultOptions({ events: new Set(MERMAID_NEEDS) }));
}

function mermaidOf(events: readonly Event[]): string {
  let text = '';
  const f = new MermaidFormatter((s) => (text += s));
  for (const ev of events) f.push(ev);
  f.end();
  return text;
}

/** Mermaid's entity codes back to characters, as Mermaid does after parsing. */
const decode = (s: string): string => s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

/** The statement forms the diagrams are made of; anything else on a line means a wire string broke out. */
const STATEMENT =
  /^(```mermaid|```|sequenceDiagram| {4}(title .*|participant [CS] as .*|[CS](->>|-->>|-x)[CS]: .*|Note over (C|S|C,S): .*|rect rgb\(\d+, \d+, \d+\)|end))$/;

/** The label part of a statement: after `title `, `participant X as ` or the first `: `. */
function labelOf(line: string): string {
  const m = /^ {4}(?:title |participant [CS] as |[^:]*: )(.*)$/.exec(line);
  return m ? m[1]! : '';
}

/** A label holds no markup but the renderer's own <br/>, and `;` or `#` only inside entity codes. */
function checkLabel(label: string, what: string): void {
  const body = label.replace(/<br\/>/g, '');
  assert.not.match(body, /[<>%&"`{}[\]\\\n\r]/, `markup, a comment or a fence in: ${what}`);
  assert.not.match(body.replace(/#\d+;/g, ''), /[;#]/, `a bare ; or # in: ${what}`);
}

function checkStatements(text: string): void {
  for (const line of text.split('\n')) {
    if (line === '') continue;
    assert.match(line, STATEMENT, `unexpected line: ${line}`);
    checkLabel(labelOf(line), line);
  }
}

test('mermaidText: evil strings become entity codes that decode to the sanitised string, with no bare separators', () => {
  for (const s of EVIL_STRINGS) {
    const m = mermaidText(s);
    checkLabel(m, s);
    assert.not.match(m, /-->>|%%/, s);
    assert.is(decode(m), sanitize(s), s);
  }
  assert.is(mermaidText('a;b'), 'a#59;b');
  assert.is(mermaidText('%%{init}%%'), '#37;#37;#123;init#125;#37;#37;');
  assert.is(mermaidText('x-->>y'), 'x--#62;#62;y');
});

test('wrapText: lines no longer than the width, breaking at spaces or commas, losing no character but the break spaces', () => {
  const s = 'CN=tlsdump Test Intermediate CA,O=tlsdump test issued by CN=tlsdump Test Root CA,O=tlsdump test and more words here';
  const lines = wrapText(s, 30);
  for (const l of lines) assert.ok([...l].length <= 30, l);
  assert.is(lines.join(' ').replace(/\s+/g, ''), s.replace(/\s+/g, ''));
  assert.equal(wrapText('short', 30), ['short']);
  assert.equal(
    wrapText('x'.repeat(65), 30).map((l) => l.length),
    [30, 30, 5],
  );
});

test('mermaid: mtls12-nocert shows the CertificateRequest, the empty client Certificate and the server fatal alert', () => {
  const text = mermaidOf(eventsOf('mtls12-nocert'));
  checkStatements(text);
  assert.is(text.match(/^```mermaid$/gm)?.length, 1);
  assert.match(text, /participant C as client 10\.99\.0\.1:\d+/);
  assert.match(text, /participant S as server 10\.99\.0\.2:4442/);
  assert.match(
    text,
    /S->>C: CertificateRequest \(frame 8\)<br\/>types rsa_sign, dss_sign, ecdsa_sign<br\/>CA CN=tlsdump Test Client CA,O=tlsdump test/,
  );
  assert.match(text, /C->>S: Certificate \(frame 10\)<br\/>EMPTY: no certificate sent/);
  assert.match(text, /rect rgb\(255, 205, 210\)\n {4}S-xC: ALERT from the server: Alert fatal handshake_failure/);
  assert.match(text, /Note over C,S: verdict \(frame 13\): NOT established/);
  assert.match(text, /ERROR client_cert_not_sent: /);
  // ClientHello facts: versions, SNI, cipher count; ServerHello: cipher.
  assert.match(
    text,
    /C->>S: ClientHello \(frame 4\)<br\/>TLS 1\.2 · versions TLS 1\.3, TLS 1\.2, TLS 1\.1, TLS 1\.0 · SNI server\.test · 31 cipher suites/,
  );
  assert.match(text, /S->>C: ServerHello \(frame 6\)<br\/>TLS 1\.2 · TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384/);
});

test('mermaid: mtls12-wrongca shows the client chain with its issuer and the unknown_ca alert from the server', () => {
  const text = mermaidOf(eventsOf('mtls12-wrongca'));
  checkStatements(text);
  assert.match(
    text,
    /C->>S: Certificate \(frame 10\)<br\/>1 certificate<br\/>CN=other-client\.test,O=tlsdump test ← issued by CN=tlsdump Test Other CA,O=tlsdump test/,
  );
  assert.match(text, /S-xC: ALERT from the server: Alert fatal unknown_ca \(frame 11\)/);
  assert.match(text, /ERROR client_cert_not_accepted/);
  // The encrypted Finished record, with its size.
  assert.match(text, /C-->>S: encrypted handshake \(frame 10\)<br\/>40 bytes/);
});

test('mermaid: TLS 1.3 failures show the encrypted flights with record sizes and the inferred alert from the server', () => {
  for (const name of ['mtls13-nocert', 'mtls13-wrongca']) {
    const text = mermaidOf(eventsOf(name));
    checkStatements(text);
    assert.match(text, /S-->>C: encrypted server handshake \(frame 6\)<br\/>5 records, 23 \+ 128 \+ 1795 \+ 281 \+ 69 = 2296 bytes/, name);
    assert.match(text, /C-->>S: encrypted client finished \(frame 10\)<br\/>\d records, [\d +]+ = \d+ bytes/, name);
    assert.match(text, /S-xC: ALERT from the server: Alert \(encrypted, inferred\) \(frame 1[12]\)<br\/>one 19-byte record/, name);
    assert.match(text, /requested not visible, sent not visible/, name);
  }
});

test('mermaid: a capture with a reset, and a gap, shows them as red and amber notes; no diagram for flows without TLS', () => {
  const events: Event[] = [
    { type: 'flow', line: 1, flow: 0, event: 'open', client: '10.0.0.1:1000', server: '10.0.0.2:443' },
    { type: 'tls.handshake', line: 3, flow: 0, dir: 'c2s', msg_id: 1, msg: 'client_hello', length: 100, version: 'TLS 1.2', cipher_ids: [1, 2] },
    { type: 'anomaly', line: 5, flow: 0, dir: 's2c', code: 'tcp.gap', message: 'x', missing: 1448 },
    {
      type: 'flow',
      line: 7,
      flow: 0,
      event: 'close',
      client: '10.0.0.1:1000',
      server: '10.0.0.2:443',
      end: 'rst',
      bytes: { c2s: 1, s2c: 1 },
      gaps: 1,
    },
    {
      type: 'tls.session',
      line: 7,
      flow: 0,
      client: '10.0.0.1:1000',
      server: '10.0.0.2:443',
      established: false,
      alerts: [],
      diagnoses: [{ code: 'reset', severity: 'error', message: 'reset' }],
    },
    { type: 'flow', line: 8, flow: 1, event: 'open', client: '10.0.0.1:1001', server: '10.0.0.2:80' },
    {
      type: 'flow',
      line: 9,
      flow: 1,
      event: 'close',
      client: '10.0.0.1:1001',
      server: '10.0.0.2:80',
      end: 'fin',
      bytes: { c2s: 0, s2c: 0 },
      gaps: 0,
    },
  ];
  const text = mermaidOf(events);
  checkStatements(text);
  assert.is(text.match(/^```mermaid$/gm)?.length, 1);
  assert.match(text, /rect rgb\(255, 236, 179\)\n {4}Note over S: capture gap \(line 5\): 1448 bytes missing server → client/);
  assert.match(text, /rect rgb\(255, 205, 210\)\n {4}Note over C,S: RST: connection reset \(line 7\)/);
  assert.match(text, /ERROR reset: reset/);
});

test('mermaid: evil certificate subjects, CA names, SNI and diagnosis text stay inside their labels', () => {
  const text = mermaidOf(evilConnection());
  checkStatements(text);
  // Every evil string is there, escaped, and decodes back.
  for (const s of EVIL_STRINGS) assert.ok(text.includes(mermaidText(s).slice(0, 40)), s);
});

test("mermaid: a connection with very many steps stays under Mermaid's 50,000-character limit and says how many it left out", () => {
  const events: Event[] = [{ type: 'flow', line: 1, flow: 0, event: 'open', client: '10.0.0.1:1', server: '10.0.0.2:443' }];
  const subject = 'CN=' + 'x'.repeat(200);
  for (let i = 0; i < 400; i++)
    events.push({
      type: 'tls.handshake',
      line: 2 + i,
      flow: 0,
      dir: i % 2 ? 's2c' : 'c2s',
      msg_id: 11,
      msg: 'certificate',
      length: 900,
      certs: [
        { subject, issuer: subject },
        { subject, issuer: subject },
      ] as unknown as CertificateEntry[],
    });
  events.push({ type: 'tls.session', line: 500, flow: 0, client: '10.0.0.1:1', server: '10.0.0.2:443', established: false, diagnoses: [] });
  const text = mermaidOf(events);
  checkStatements(text);
  assert.ok(text.length < 50_000, String(text.length));
  const left = Number(/… (\d+) more steps not shown/.exec(text)?.[1]);
  assert.is(left + (text.match(/->>/g)?.length ?? 0), 400);
  assert.match(text, /Note over C,S: verdict/);
});

test('ladders: saved default events (no flow or record events) still give one ladder per session with its messages', () => {
  const events = eventsOf('mtls12-nocert').filter((e) => e.type !== 'flow' && e.type !== 'tls.record');
  const out: Ladder[] = [];
  const l = new Ladders((x) => out.push(x));
  for (const ev of events) l.push(ev);
  l.end();
  assert.is(out.length, 1);
  assert.is(out[0]!.client.startsWith('10.99.0.1:'), true);
  assert.equal(
    out[0]!.steps.filter((s) => s.kind === 'message').map((s) => s.title),
    ['ClientHello', 'ServerHello', 'Certificate', 'ServerKeyExchange', 'CertificateRequest', 'ServerHelloDone', 'Certificate', 'ClientKeyExchange'],
  );
  assert.is(out[0]!.steps.filter((s) => s.kind === 'alert').length, 1);
});

test.run();
