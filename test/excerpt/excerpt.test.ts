// Excerpts (docs/events.md, "Excerpts"): hex rows shown without packet headers. The seed article's second trace must
// give the values the article works out by hand; server flights cut from real recordings (test/support/excerpt.ts),
// whole and with rows left out, must give only facts that tshark sees in the same capture, and no verdict about what
// they omit.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { connectionExcerpt, serverFlightExcerpt } from '../support/excerpt.js';
import { rng } from '../support/rng.js';
import { createDecoder } from '../../lib/pipeline.js';
import { FIXTURES, haveTool, ROOT, SHARED, skipping } from '../support/shared.js';

const ALL = defaultOptions({ events: new Set(EVENT_TYPES) });

function seedFacts(events: Event[], flow: number): void {
  const hs = events.filter((e) => e.type === 'tls.handshake' && e.flow === flow);
  assert.ok(
    hs.every((e) => e.excerpt === true && e.dir === 's2c' && Array.isArray(e.lines)),
    "excerpt events are marked, with their lines, as the server's",
  );
  const sh = hs.find((e) => e.msg === 'server_hello')!;
  assert.ok(sh, 'server_hello');
  assert.is(sh.version, 'TLS 1.0');
  assert.is(sh.cipher_id, 0x0035);
  assert.is(sh.session_id, '00000143256394d7b750c385cc363112ec86df205858585847d540360000ccc7');
  assert.is(sh.gmt_unix_time, 0x47);
  const cert = hs.find((e) => e.msg === 'certificate')!;
  assert.is(cert.length, 3092);
  const certs = cert.certs as { error?: string; length?: number; missing_bytes?: number; subject?: string }[];
  // Every certificate has rows left out: their sizes are known (1320, 1184, 576), their contents are not.
  assert.equal(
    certs.map((c) => c.length),
    [1320, 1184, 576],
  );
  assert.ok(certs.every((c) => c.subject === undefined && typeof c.error === 'string' && c.missing_bytes! > 0 && c.missing_bytes! < c.length!));
  const cr = hs.find((e) => e.msg === 'certificate_request')!;
  assert.is(cr.length, 3384);
  assert.equal(cr.cert_types, ['rsa_sign']);
  assert.is((cr.ca_names as string[])[0], 'OU=Class 3 Public Primary Certification Authority,O=VeriSign\\, Inc.,C=US');
  assert.is(cr.truncated, true, 'the CA names after the first are in rows left out');
  assert.ok(hs.some((e) => e.msg === 'server_hello_done'));
  const s = events.find((e) => e.type === 'tls.session' && e.flow === flow)!;
  assert.is(s.client_cert_requested, true);
  assert.is(s.client_cert_sent, null, "the client's flight is not in the excerpt");
  assert.is(s.established, null);
  assert.is(s.excerpt, true);
  const blame = (s.diagnoses as { code: string; severity: string }[]).filter((d) => d.severity === 'error');
  assert.equal(blame, [], 'no error verdict about what the excerpt does not show');
}

test("excerpt: the seed's second trace (data/seed-trace2.txt) gives the server flight the article decodes by hand", () => {
  const events = decodeAll(readFileSync(join(ROOT, 'data', 'seed-trace2.txt')), ALL);
  seedFacts(events, 0);
  assert.not.ok(events.some((e) => e.code === 'input.orphan_hex' || e.code === 'excerpt.unplaced'));
  // The holes are the rows the article left out: each one reported, with its size.
  const holes = events.filter((e) => e.code === 'excerpt.hole').map((e) => e.bytes);
  assert.equal(holes, [1312, 1152, 240, 304, 992, 1408, 832]);
});

test("excerpt: the article itself, prose and all: the second trace is flow 1, after the first trace's connection", () => {
  const article = join(SHARED, 'seed', '000_f61e09c4f4cda515.txt');
  if (!existsSync(article)) return skipping('../shared/seed absent: seed article excerpt test');
  const events = decodeAll(readFileSync(article), ALL);
  seedFacts(events, 1);
  // The same first row quoted alone earlier in the prose is one more copy of the same bytes, not a connection.
  assert.not.ok(events.some((e) => e.type === 'tls.session' && (e.flow as number) > 1));
});

test('excerpt: the same events whatever the chunk sizes the text arrives in', () => {
  const text = readFileSync(join(ROOT, 'data', 'seed-trace2.txt'));
  const whole = JSON.stringify(decodeAll(text, ALL));
  for (const size of [1, 2, 3, 7, 16, 61, 500]) {
    const got: Event[] = [];
    const d = createDecoder(ALL, (e) => got.push(e));
    for (let i = 0; i < text.length; i += size) d.push(text.subarray(i, i + size));
    d.end();
    assert.is(JSON.stringify(got), whole, `chunks of ${size}`);
  }
});

test('excerpt: random rows, offsets, separators and bytes never throw, and excerpt events name their lines', () => {
  const next = rng(0x5eed12a);
  const int = (n: number): number => Math.floor(next() * n);
  const seed = readFileSync(join(ROOT, 'data', 'seed-trace2.txt'), 'latin1').split('\n');
  for (let run = 0; run < 200; run++) {
    const lines: string[] = [];
    for (let i = 0, n = 1 + int(60); i < n; i++) {
      const k = int(10);
      if (k === 0) lines.push('(next packet - IP and TCP headers not shown)');
      else if (k === 1) lines.push(seed[int(seed.length)]!);
      else {
        const off = int(12) === 0 ? 0x30 : 16 * int(0x80);
        const bytes = Array.from({ length: 1 + int(16) }, () => (int(4) === 0 ? [0x16, 0x03, 0x01, 0x0b, 0x0d, 0x02][int(6)]! : int(256)));
        const groups: string[] = [];
        for (let b = 0; b < bytes.length; b += 2)
          groups.push(
            bytes
              .slice(b, b + 2)
              .map((x) => x.toString(16).padStart(2, '0'))
              .join(''),
          );
        lines.push(`\t0x${off.toString(16).padStart(4, '0')}:  ${groups.join(' ')}`);
      }
    }
    const events = decodeAll(lines.join('\n') + '\n', ALL);
    for (const e of events.filter((x) => x.type === 'tls.handshake' || x.type === 'tls.record')) {
      assert.is(e.excerpt, true);
      if (e.lines !== undefined) assert.ok((e.lines as number[])[0]! <= (e.lines as number[])[1]!);
    }
  }
});

// ---- server flights of real recordings ----

interface Truth {
  server: string;
  version: string;
  client_cert_requested: boolean | null;
}

interface Oracle {
  name: string;
  server: string;
  truth: Truth;
  /** tshark: the server's handshake types up to its ServerHelloDone (or the ServerHello in TLS 1.3), cipher, certs. */
  flight: number[];
  cipher: number;
  certs: string[];
  sessionId: string;
  /** tlsdump on the whole capture (checked against tshark by test/tls): the CA names of the CertificateRequest. */
  caNames: string[];
  text: string;
}

const SCENARIOS = [
  'mtls12-ok',
  'mtls12-nocert',
  'mtls12-wrongca',
  'tls12-rsa',
  'tls12-ecdhe',
  'tls12-ecdsa',
  'tls10',
  'tls11',
  'server-no-intermediate',
  'tls13',
  'mtls13-ok',
];

let cached: Oracle[] | undefined;
function oracles(): Oracle[] {
  cached ??= readOracles();
  return cached;
}

function readOracles(): Oracle[] {
  const dir = process.env.TLSDUMP_CAPTURES ?? FIXTURES;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { captures: Record<string, { scenario: string; truth: Truth[] }> };
  const out: Oracle[] = [];
  for (const [file, c] of Object.entries(manifest.captures)) {
    if (!SCENARIOS.includes(c.scenario) || !existsSync(join(dir, file))) continue;
    const truth = c.truth[0]!;
    const tshark = JSON.parse(readFileSync(join(dir, file.replace(/\.pcap$/, '.tshark.json')), 'utf8')) as {
      flows: Record<string, { handshakes: { s2c: number[] }; cipher: number; certs: { s2c: string[] } }>;
    };
    const flow = Object.values(tshark.flows)[0]!;
    const s2c = flow.handshakes.s2c;
    const done = s2c.indexOf(14);
    const fields =
      execFileSync('tshark', ['-r', join(dir, file), '-Y', 'tls.handshake.type == 2', '-T', 'fields', '-e', 'tls.handshake.session_id'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .toString()
        .trim()
        .split('\n')[0] ?? '';
    const text = execFileSync('tcpdump', ['-nn', '-t', '-X', '-r', join(dir, file)], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const whole = decodeAll(readFileSync(join(dir, file)));
    const cr = whole.find((e) => e.msg === 'certificate_request' && e.flow === 0);
    out.push({
      name: file,
      server: truth.server.replace(/^\[?([^\]]+?)\]?:(\d+)$/, '$1.$2'),
      truth,
      flight: done >= 0 ? s2c.slice(0, done + 1) : s2c.slice(0, 1),
      cipher: flow.cipher,
      certs: flow.certs.s2c,
      sessionId: fields.replace(/:/g, ''),
      caNames: (cr?.ca_names as string[] | undefined) ?? [],
      text,
    });
  }
  return out;
}

/** Facts an excerpt's events may state: each must be what tshark (or the whole capture) shows. */
function checkSound(o: Oracle, events: Event[], label: string): { sh: boolean; cr: boolean; certs: number } {
  const hs = events.filter((e) => e.type === 'tls.handshake');
  let certsRead = 0;
  for (const e of hs) {
    assert.is(e.excerpt, true, label);
    assert.is(e.dir, 's2c', `${label}: ${String(e.msg)} is the server's`);
    if (e.msg === 'server_hello' && !e.truncated) {
      assert.is(e.cipher_id, o.cipher, label);
      assert.is(e.version, o.truth.version, label);
      assert.is(e.session_id, o.sessionId, label);
    }
    if (e.msg === 'certificate') {
      for (const c of e.certs as { sha256?: string; error?: string; missing_bytes?: number }[]) {
        if (c.missing_bytes !== undefined) continue;
        assert.ok(c.sha256 && o.certs.includes(c.sha256), `${label}: certificate ${c.sha256} is one tshark sees`);
        certsRead++;
      }
    }
    if (e.msg === 'certificate_request') {
      const names = e.ca_names as string[];
      assert.equal(names, o.caNames.slice(0, names.length), `${label}: CA names read are the capture's, in order`);
    }
  }
  for (const e of events.filter((x) => x.type === 'tls.session')) {
    const req = e.client_cert_requested;
    if (req !== null) assert.is(req, o.truth.client_cert_requested, `${label}: client_cert_requested`);
    assert.is(e.client_cert_sent, null, `${label}: the client's flight is not in a server excerpt`);
    const blame = (e.diagnoses as { code: string; severity: string }[]).filter(
      (d) => d.severity === 'error' || /^client_cert_not|handshake_incomplete|no_close_notify|capture_gap|chain_/.test(d.code),
    );
    assert.equal(blame, [], `${label}: no verdict about what the excerpt does not show`);
  }
  return { sh: hs.some((e) => e.msg === 'server_hello' && !e.truncated), cr: hs.some((e) => e.msg === 'certificate_request'), certs: certsRead };
}

test('excerpt: whole server flights of real recordings, without headers, give every fact tshark sees', () => {
  if (!haveTool('tcpdump') || !haveTool('tshark')) return skipping('tcpdump or tshark not installed: excerpt recordings test');
  const list = oracles();
  assert.ok(list.length >= 8, `${list.length} recordings`);
  for (const o of list) {
    for (const blank of [false, true]) {
      const ex = serverFlightExcerpt(o.text, o.server, { blank });
      const label = `${o.name} blank=${blank}`;
      const events = decodeAll(ex.text, ALL);
      assert.not.ok(
        events.some((e) => e.code === 'excerpt.unplaced' || e.code === 'excerpt.gap' || e.code === 'tls.resync'),
        label,
      );
      checkSound(o, events, label);
      const msgs = events.filter((e) => e.type === 'tls.handshake').map((e) => e.msg_id);
      assert.equal(msgs, o.flight, `${label}: the server's messages`);
      const cert = events.find((e) => e.msg === 'certificate');
      if (cert)
        assert.equal(
          (cert.certs as { sha256: string }[]).map((c) => c.sha256),
          o.certs,
          `${label}: certificates`,
        );
      const cr = events.find((e) => e.msg === 'certificate_request');
      if (cr) assert.equal(cr.ca_names, o.caNames, label);
      const s = events.find((e) => e.type === 'tls.session')!;
      // A whole TLS ≤ 1.2 flight up to ServerHelloDone says whether a certificate was asked for; TLS 1.3 hides it.
      assert.is(s.client_cert_requested, o.truth.version === 'TLS 1.3' ? null : o.truth.client_cert_requested, label);
      assert.is(s.version, o.truth.version, label);
    }
  }
});

test('excerpt: server flights with rows left out give only facts tshark sees, and no blame', () => {
  if (!haveTool('tcpdump') || !haveTool('tshark')) return skipping('tcpdump or tshark not installed: excerpt recordings test');
  let runs = 0;
  let sh = 0;
  let cr = 0;
  let certs = 0;
  let dropped = 0;
  for (const o of oracles()) {
    for (let seed = 1; seed <= 8; seed++) {
      const drop = seed % 2 ? 0.02 : 0.1;
      const ex = serverFlightExcerpt(o.text, o.server, { seed, drop, blank: seed % 3 === 0, note: seed % 4 === 0 ? '(rows left out)' : undefined });
      const events = decodeAll(ex.text, ALL);
      const r = checkSound(o, events, `${o.name} seed ${seed} drop ${drop}`);
      runs++;
      dropped += ex.dropped;
      if (r.sh) sh++;
      if (r.cr) cr++;
      certs += r.certs;
    }
  }
  // Not vacuous: most runs still find the ServerHello, and some CertificateRequests and whole certificates survive.
  assert.ok(dropped > runs, `${dropped} rows dropped in ${runs} runs`);
  assert.ok(sh > runs / 2, `ServerHello decoded in ${sh} of ${runs} runs`);
  assert.ok(cr >= 4, `CertificateRequest decoded in ${cr} runs`);
  assert.ok(certs >= 4, `${certs} whole certificates decoded`);
  process.stderr.write(
    `  excerpts with rows left out: ${runs} runs, ${dropped} rows dropped; ServerHello in ${sh}, CertificateRequest in ${cr}, ${certs} whole certificates\n`,
  );
});

test('excerpt: whole connections without headers: each message on its side, and both halves of the mTLS question', () => {
  if (!haveTool('tcpdump') || !haveTool('tshark')) return skipping('tcpdump or tshark not installed: excerpt recordings test');
  const mtls = oracles().filter((o) => /^mtls12-/.test(o.name) || o.name === 'tls12-rsa.pcap');
  assert.ok(mtls.length >= 3);
  for (const o of mtls) {
    const events = decodeAll(connectionExcerpt(o.text), ALL);
    const whole = decodeAll(Buffer.from(o.text, 'latin1'), ALL);
    // The handshake messages (plaintext ones) and the side of each, as in the whole capture.
    const side = (evs: Event[]): string[] =>
      evs.filter((e) => e.type === 'tls.handshake' && e.flow === 0).map((e) => `${String(e.dir)} ${String(e.msg)}`);
    assert.equal(side(events), side(whole), o.name);
    const s = events.find((e) => e.type === 'tls.session')!;
    const w = whole.find((e) => e.type === 'tls.session')!;
    assert.equal([s.client_cert_requested, s.client_cert_sent], [w.client_cert_requested, w.client_cert_sent], o.name);
    assert.is(s.established, null, o.name);
  }
});

test.run();
