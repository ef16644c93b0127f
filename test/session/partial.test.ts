// Excerpts of real recordings, as people bring them: hellos cut short at every byte, captures that begin
// after the handshake or after the ClientHello, one direction only (tcpdump `src host`). What is in the bytes must
// still be decoded, and no verdict may blame a party for what the capture does not show: every fact of an excerpt's
// tls.session is the whole capture's or null, and its errors are among the whole capture's. The same checks run on
// a holdout recording when TLSDUMP_HOLDOUT names one (scripts/record/record.sh --holdout DIR).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { pcapFile, readPcap, type Rec } from '../pcap/build.js';
import { FIXTURES, haveTool, skipping, testIf } from '../support/shared.js';

const options = defaultOptions({ events: new Set(EVENT_TYPES) });
const own = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.pcap') && f !== 'many-flows.pcap' && !f.includes('-tx'))
  .sort()
  .map((f) => join(FIXTURES, f));
const holdoutDir = process.env.TLSDUMP_HOLDOUT;
const holdout =
  holdoutDir && existsSync(holdoutDir)
    ? readdirSync(holdoutDir)
        .filter((f) => f.endsWith('.pcap') && f !== 'many-flows.pcap' && !f.includes('-tx'))
        .sort()
        .map((f) => join(holdoutDir, f))
    : [];

// ---- a minimal view of each frame: Ethernet, IPv4 or IPv6, TCP (the recordings are all Ethernet) ----

interface Frame {
  rec: Rec;
  src: string;
  payloadAt: number;
  payload: Uint8Array;
}

function frames(pcap: Uint8Array): { linkType: number; frames: Frame[] } {
  const { linkType, recs } = readPcap(pcap);
  return {
    linkType,
    frames: recs.map((rec) => {
      const d = rec.data;
      const type = (d[12]! << 8) | d[13]!;
      const ip = 14;
      let tcp: number;
      let end: number;
      let src: string;
      if (type === 0x0800) {
        tcp = ip + (d[ip]! & 0x0f) * 4;
        end = ip + ((d[ip + 2]! << 8) | d[ip + 3]!);
        src = Array.from(d.subarray(ip + 12, ip + 16)).join('.');
      } else {
        tcp = ip + 40;
        end = tcp + ((d[ip + 4]! << 8) | d[ip + 5]!);
        src = Buffer.from(d.subarray(ip + 8, ip + 24)).toString('hex');
      }
      const payloadAt = tcp + (d[tcp + 12]! >> 4) * 4;
      return { rec, src, payloadAt, payload: d.subarray(payloadAt, Math.min(end, d.length)) };
    }),
  };
}

const write = (linkType: number, recs: Rec[]): Buffer => pcapFile(recs, { linkType });
const sessions = (input: Uint8Array): Event[] => decodeAll(input, options).filter((e) => e.type === 'tls.session');
const errors = (s: Event): string[] => (s.diagnoses as { code: string; severity: string }[]).filter((d) => d.severity === 'error').map((d) => d.code);

/**
 * An excerpt's verdict against the whole capture's: the same roles, every fact equal or null (or, for what only a
 * whole handshake shows, false), and no error that the whole capture does not have.
 */
function checkVerdicts(what: string, part: Event[], whole: Event[]): void {
  for (const p of part) {
    const w = whole.find((x) => x.client === p.client && x.server === p.server);
    assert.ok(
      w,
      `${what}: roles as in the whole capture (${p.client} → ${p.server}; whole: ${whole.map((x) => `${x.client} → ${x.server}`).join(', ')})`,
    );
    for (const k of ['client_cert_requested', 'client_cert_sent', 'version', 'cipher', 'sni'] as const) {
      assert.ok(p[k] === null || p[k] === w[k], `${what}: ${k} ${JSON.stringify(p[k])}, whole capture ${JSON.stringify(w[k])}`);
    }
    if (p.established === true) assert.is(w.established, true, `${what}: established only when it was`);
    if (p.resumed === true) assert.is(w.resumed, true, `${what}: resumed only when it was`);
    const extra = errors(p).filter((c) => !errors(w).includes(c));
    assert.equal(extra, [], `${what}: errors the whole capture does not have: ${JSON.stringify(p.diagnoses)}`);
  }
}

// ---- cut-short messages ----

/** The frames up to the one of `src` that holds its stream byte `cut`, that one cut there (caplen < wire length). */
function cutAt(fs: Frame[], src: string, cut: number): Rec[] {
  const out: Rec[] = [];
  let pos = 0;
  for (const f of fs) {
    if (f.src !== src || f.payload.length === 0 || pos + f.payload.length < cut) {
      out.push(f.rec);
      if (f.src === src) pos += f.payload.length;
      continue;
    }
    out.push({ ...f.rec, data: f.rec.data.subarray(0, f.payloadAt + cut - pos), origLen: f.rec.origLen ?? f.rec.data.length });
    break;
  }
  return out;
}

interface Ext {
  id: number;
  length: number;
  truncated?: boolean;
  [k: string]: unknown;
}

/** Cuts the capture inside the first ClientHello at every byte (and at every line of its tcpdump text). */
function cutHellos(file: string): number {
  const { linkType, frames: fs } = frames(readFileSync(file));
  const whole = decodeAll(readFileSync(file), options);
  const ch = whole.find((e) => e.type === 'tls.handshake' && e.msg === 'client_hello')!;
  assert.ok(ch, `${file}: a ClientHello`);
  const clientIp = fs.find((f) => f.payload.length > 0 && f.payload[0] === 0x16 && f.payload[5] === 1)!.src;
  // Where each part of the hello ends in the c2s stream (record header 5, handshake header 4, RFC 8446 §4.1.2).
  const sid = (ch.session_id as string).length / 2;
  const nCiphers = (ch.cipher_ids as number[]).length;
  const nComp = (ch.compression_ids as number[]).length;
  const suitesEnd = 5 + 4 + 2 + 32 + 1 + sid + 2 + 2 * nCiphers;
  let extEnd = suitesEnd + 1 + nComp + 2;
  const extEnds: [Ext, number][] = [];
  for (const e of ch.extensions as Ext[]) extEnds.push([e, (extEnd += 4 + e.length)]);
  const helloEnd = 5 + 4 + (ch.length as number);
  assert.is(extEnd, helloEnd, `${file}: the extensions fill the hello`);
  let checked = 0;
  for (let cut = 1; cut < helloEnd; cut++) {
    const events = decodeAll(write(linkType, cutAt(fs, clientIp, cut)), options);
    const got = events.find((e) => e.type === 'tls.handshake' && e.msg === 'client_hello');
    const at = `${file} cut after ${cut} of ${helloEnd} bytes`;
    if (cut < 5 + 4) {
      assert.ok(!got, `${at}: no message before its header is complete`);
      continue;
    }
    assert.ok(got, `${at}: the ClientHello is reported`);
    assert.is(got.truncated, true, `${at}: truncated`);
    for (const k of ['ja3', 'ja3_hash', 'ja4']) assert.is(got[k], undefined, `${at}: no ${k} from a cut hello`);
    if (cut >= suitesEnd) assert.equal(got.cipher_ids, ch.cipher_ids, `${at}: the cipher suites, complete before the cut`);
    const exts = (got.extensions as Ext[] | undefined) ?? [];
    for (const [e, end] of extEnds) {
      if (end > cut) break;
      assert.equal(
        exts.find((x) => x.id === e.id),
        e,
        `${at}: extension ${e.id}, complete before the cut, decoded as in the whole hello`,
      );
    }
    assert.ok(
      !exts.some((x) => !x.truncated && extEnds.find(([e]) => e.id === x.id)![1] > cut),
      `${at}: no extension past the cut given as complete`,
    );
    if (exts.some((x) => x.id === 0 && !x.truncated)) assert.is(got.sni, ch.sni, `${at}: SNI`);
    const s = events.filter((e) => e.type === 'tls.session');
    assert.is(s.length, 1, `${at}: one session`);
    assert.is(s[0]!.ja3_hash, null);
    assert.equal(errors(s[0]!), [], `${at}: no error for a capture that stops in the ClientHello: ${JSON.stringify(s[0]!.diagnoses)}`);
    assert.is(s[0]!.client_cert_requested, null, `${at}: nothing known about a CertificateRequest`);
    checked++;
  }
  return checked;
}

test('cut-short hellos: a ClientHello cut at any byte keeps every field and extension complete before the cut, has no JA3/JA4, and blames nobody', () => {
  let n = 0;
  for (const name of ['tls13.pcap', 'tls12-ecdhe.pcap', 'mtls12-ok.pcap', 'ipv6-tls12.pcap']) n += cutHellos(join(FIXTURES, name));
  assert.ok(n > 800, `${n} cut points checked`);
});

testIf(!(holdout.length === 0), 'TLSDUMP_HOLDOUT not set: holdout excerpt checks')('cut-short hellos: the same on a holdout recording', () => {
  let n = 0;
  for (const f of holdout.filter((x) => /tls13\.pcap$|tls12-ecdhe\.pcap$|mtls12-ok\.pcap$/.test(x))) n += cutHellos(f);
  assert.ok(n > 500, `${n} cut points checked`);
});

testIf(haveTool('tcpdump'), 'tcpdump absent: cut text excerpts')(
  'cut-short hellos: tcpdump -XX text cut at every hex row of the ClientHello packet gives the same facts',
  () => {
    const text = execFileSync('tcpdump', ['-r', join(FIXTURES, 'tls13.pcap'), '-nn', '-XX'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString('latin1')
      .split('\n');
    const start = text.findIndex((l) => / > .*length [1-9]/.test(l));
    const whole = decodeAll(text.join('\n'), options).find((e) => e.type === 'tls.handshake' && e.msg === 'client_hello')!;
    let rows = 0;
    for (let end = start + 6; end < text.length && text[end]!.startsWith('\t0x'); end++) {
      const events = decodeAll(text.slice(0, end).join('\n') + '\n', options);
      const ch = events.find((e) => e.type === 'tls.handshake' && e.msg === 'client_hello')!;
      assert.ok(ch && ch.truncated === true && ch.ja4 === undefined, `text cut at line ${end}`);
      for (const e of (ch.extensions as Ext[] | undefined) ?? [])
        if (!e.truncated)
          assert.equal(
            e,
            (whole.extensions as Ext[]).find((x) => x.id === e.id),
            `text cut at line ${end}: extension ${e.id}`,
          );
      const s = events.find((e) => e.type === 'tls.session')!;
      assert.equal(errors(s), [], `text cut at line ${end}`);
      rows++;
    }
    assert.ok(rows > 10);
  },
);

/**
 * Cuts the server's flight every `step` bytes: whatever is decoded from a cut Certificate or CertificateRequest is
 * a prefix of the whole message's (certificates, CA names), and the verdict is the whole capture's or null.
 */
function cutServerFlight(file: string, step: number): number {
  const raw = readFileSync(file);
  const { linkType, frames: fs } = frames(raw);
  const whole = decodeAll(raw, options);
  const clientIp = fs[0]!.src;
  const server = fs.find((f) => f.src !== clientIp)!.src;
  const msgs = (evs: Event[], m: string) => evs.filter((e) => e.type === 'tls.handshake' && e.dir === 's2c' && e.msg === m);
  const flight = fs.filter((f) => f.src === server).reduce((n, f) => n + f.payload.length, 0);
  const end = Math.min(flight, 6000);
  let n = 0;
  for (let cut = 1; cut < end; cut += step) {
    const events = decodeAll(write(linkType, cutAt(fs, server, cut)), options);
    const at = `${file.split('/').pop()} server stream cut after ${cut} bytes`;
    for (const [m, list] of [
      ['certificate', 'certs'],
      ['certificate_request', 'ca_names'],
    ] as const) {
      const w = msgs(whole, m)[0];
      for (const e of msgs(events, m)) {
        const got = (e[list] as unknown[] | undefined) ?? [];
        assert.equal(got, ((w![list] as unknown[]) ?? []).slice(0, got.length), `${at}: ${m} ${list} a prefix of the whole message's`);
      }
    }
    checkVerdicts(
      at,
      events.filter((e) => e.type === 'tls.session'),
      sessions(raw),
    );
    n++;
  }
  return n;
}

test('cut-short server flights: a Certificate or CertificateRequest cut anywhere keeps what is complete before the cut, and the verdict blames nobody', () => {
  let n = 0;
  for (const name of ['mtls12-ok.pcap', 'mtls12-nocert.pcap', 'tls12-rsa.pcap']) n += cutServerFlight(join(FIXTURES, name), 7);
  assert.ok(n > 300, `${n} cut points checked`);
  if (holdout.length === 0) return skipping('TLSDUMP_HOLDOUT not set: holdout excerpt checks');
  for (const f of holdout.filter((x) => /mtls12-(ok|nocert)\.pcap$/.test(x))) n += cutServerFlight(f, 11);
});

// ---- captures that begin late, and one direction only ----

/** The whole recording and its excerpts: from the first application data on, from the server's first packet on,
 *  and each direction alone (tcpdump `src host`). */
function excerpts(file: string, dir: string): [string, Uint8Array][] {
  const raw = readFileSync(file);
  const { linkType, frames: fs } = frames(raw);
  const out: [string, Uint8Array][] = [];
  const firstApp = fs.findIndex((f) => f.payload[0] === 0x17 && f.payload[1] === 0x03);
  if (firstApp > 0)
    out.push([
      'begins at the first application data',
      write(
        linkType,
        fs.slice(firstApp).map((f) => f.rec),
      ),
    ]);
  const clientIp = fs[0]!.src;
  const firstServer = fs.findIndex((f) => f.src !== clientIp && f.payload.length > 0);
  if (firstServer > 0)
    out.push([
      "begins at the server's first data",
      write(
        linkType,
        fs.slice(firstServer).map((f) => f.rec),
      ),
    ]);
  if (haveTool('tcpdump')) {
    for (const [who, ip] of [
      ['client', 'first'],
      ['server', 'second'],
    ] as const) {
      const f0 = fs[0]!.rec.data;
      const v4 = ((f0[12]! << 8) | f0[13]!) === 0x0800;
      const addr = v4 ? Array.from(f0.subarray(ip === 'first' ? 26 : 30, ip === 'first' ? 30 : 34)).join('.') : undefined;
      if (!addr) continue;
      const o = join(dir, `${who}.pcap`);
      execFileSync('tcpdump', ['-r', file, '-w', o, 'src', 'host', addr], { stdio: 'ignore' });
      out.push([`only the ${who}'s packets (tcpdump src host ${addr})`, readFileSync(o)]);
    }
  }
  return out;
}

function lateAndOneWay(files: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'tlsdump-partial-'));
  let n = 0;
  try {
    for (const file of files) {
      const whole = sessions(readFileSync(file));
      for (const [how, pcap] of excerpts(file, dir)) {
        const what = `${file.split('/').pop()} ${how}`;
        const events = decodeAll(pcap, options);
        const part = events.filter((e) => e.type === 'tls.session');
        checkVerdicts(what, part, whole);
        // An encrypted alert sits in a record that says so, wherever the capture began.
        const records = events.filter((e) => e.type === 'tls.record' || e.type === 'tls.alert');
        records.forEach((e, i) => {
          if (e.type === 'tls.alert' && e.encrypted === true)
            assert.is(records[i - 1]!.encrypted, true, `${what}: the record of an encrypted alert is encrypted (line ${e.frame})`);
        });
        const codes = part.flatMap((s) => (s.diagnoses as { code: string }[]).map((d) => d.code));
        // (Of a recording with two connections, only the first begins late.)
        if (how.startsWith('begins at the first application data'))
          assert.ok(
            part.some((s) => (s.diagnoses as { code: string }[]).some((d) => d.code === 'handshake_not_captured')),
            `${what}: handshake_not_captured (${codes.join(', ')})`,
          );
        if (how.startsWith('only the'))
          assert.ok(
            codes.includes('direction_not_captured') || part.every((s) => s.established === true),
            `${what}: direction_not_captured (${codes.join(', ')})`,
          );
        n++;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return n;
}

test('excerpts of the recordings (begun after the handshake, begun at the server, one direction): same roles, facts whole or null, no error the whole capture lacks', () => {
  const n = lateAndOneWay(own);
  assert.ok(n >= own.length * 2, `${n} excerpts checked`);
});

testIf(!(holdout.length === 0), 'TLSDUMP_HOLDOUT not set: holdout excerpt checks')('excerpts of a holdout recording: the same checks', () => {
  const n = lateAndOneWay(holdout);
  assert.ok(n >= holdout.length * 2, `${n} excerpts checked`);
});

test.run();
