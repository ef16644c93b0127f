// Decryption on real captures, against tshark given the same key log: per TCP stream and direction, the
// handshake message types and alert descriptions must be tshark's (test/support/tshark-decrypt.ts; tshark's
// answers are cached in test/fixtures/decrypt/tshark-keylog.json). Then the TLS 1.3 mTLS verdicts, wrong keys,
// missing keys, a capture gap, pcapng secrets blocks, and the ssldump samples in ../shared.
// TLSDUMP_DECRYPT_HOLDOUT=DIR also checks a holdout recording (scripts/decrypt/record.sh --holdout DIR).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { createDecoder, decodeAll } from '../../lib/pipeline.js';
import { KeyStore } from '../../lib/keylog/index.js';
import { CAPTURES, FIXTURES, haveShared, haveTool, skipping, testIf } from '../support/shared.js';
import { cachedTsharkView, compareViews, eventsView, tsharkView, type DecryptView } from '../support/tshark-decrypt.js';

const DECRYPT = join(FIXTURES, 'decrypt');
const CACHE = join(DECRYPT, 'tshark-keylog.json');
const all = (keylog: string[], extra = {}) => defaultOptions({ events: new Set(EVENT_TYPES), keylog, ...extra });

/** Where tlsdump and tshark differ on purpose. */
const KNOWN: Record<string, string> = {
  'decrypt/tls12-camellia.pcap': 'Camellia is outside the suites lib/decrypt/suites.ts opens: tls.decrypt_unsupported, tshark decrypts it',
};

function keylogOf(pcap: string): string | undefined {
  const k = pcap.replace(/\.pcap(ng)?$/, '.keylog');
  return existsSync(k) ? k : undefined;
}

function cases(): { name: string; pcap: string; keylog?: string }[] {
  const out: { name: string; pcap: string; keylog?: string }[] = [];
  for (const f of readdirSync(FIXTURES).sort()) {
    if (!f.endsWith('.pcap')) continue;
    const pcap = join(FIXTURES, f);
    const keylog = keylogOf(pcap);
    if (keylog) out.push({ name: f, pcap, keylog });
  }
  for (const f of readdirSync(DECRYPT).sort()) {
    if (!/\.pcap(ng)?$/.test(f)) continue;
    const pcap = join(DECRYPT, f);
    // A pcapng with a secrets block carries its keys (tshark reads them too): no key log is given.
    out.push({ name: `decrypt/${f}`, pcap, keylog: f.endsWith('.pcapng') ? undefined : keylogOf(pcap) });
  }
  return out;
}

const decoded = new Map<string, Event[]>();
function decode(pcap: string, keylog: string | undefined): Event[] {
  const key = `${pcap}|${keylog}`;
  let evs = decoded.get(key);
  if (!evs) decoded.set(key, (evs = decodeAll(readFileSync(pcap), all(keylog ? [keylog] : []))));
  return evs;
}

test("decrypt: per direction, handshake types and alerts equal tshark's with the same key log (project fixtures)", () => {
  let compared = 0;
  for (const c of cases()) {
    const want = cachedTsharkView(CACHE, c.name, c.pcap, c.keylog);
    if (!want) {
      skipping(`tshark absent and no cached view for ${c.name}`);
      continue;
    }
    const evs = decode(c.pcap, c.keylog);
    const diffs = compareViews(want, eventsView(evs));
    if (KNOWN[c.name]) {
      assert.ok(diffs.length > 0, `${c.name}: listed as differing but agrees with tshark: drop it from KNOWN`);
      assert.ok(
        evs.some((e) => e.code === 'tls.decrypt_unsupported' && /CAMELLIA/.test(String(e.message))),
        `${c.name}: ${KNOWN[c.name]}`,
      );
      continue;
    }
    assert.equal(diffs, [], c.name);
    compared++;
  }
  assert.ok(compared >= 40, `only ${compared} captures compared`);
});

function session(name: string): Event {
  const pcap = join(DECRYPT, `${name}.pcap`);
  return decode(pcap, keylogOf(pcap)).find((e) => e.type === 'tls.session')!;
}

test('decrypt: TLS 1.3 mTLS verdicts are definite with keys (ok, no certificate, rejected, not asked)', () => {
  const ok = session('mtls13-ok');
  assert.equal([ok.client_cert_requested, ok.client_cert_sent, ok.established], [true, true, true]);
  assert.equal(ok.requested_ca_names, ['CN=tlsdump Test Client CA,O=tlsdump test']);
  assert.ok((ok.diagnoses as { code: string }[]).some((d) => d.code === 'client_cert_sent'));
  const none = session('mtls13-nocert');
  assert.equal([none.client_cert_requested, none.client_cert_sent, none.established], [true, false, false]);
  assert.equal(none.alerts, [{ dir: 's2c', level: 'fatal', description: 'certificate_required' }]);
  assert.ok((none.diagnoses as { code: string; severity: string }[]).some((d) => d.code === 'client_cert_not_sent' && d.severity === 'error'));
  const bad = session('mtls13-wrongca');
  assert.equal([bad.client_cert_requested, bad.client_cert_sent, bad.established], [true, true, false]);
  assert.equal(bad.alerts, [{ dir: 's2c', level: 'fatal', description: 'unknown_ca' }]);
  assert.ok((bad.diagnoses as { code: string }[]).some((d) => d.code === 'client_cert_not_accepted'));
  for (const name of ['tls13-aes128gcm', 'tls13-chacha20', 'tls13-hrr']) {
    const s = session(name);
    assert.equal([s.client_cert_requested, s.client_cert_sent, s.established], [false, false, true], name);
    assert.not.ok(
      (s.diagnoses as { code: string }[]).some((d) => d.code === 'client_cert_not_visible'),
      name,
    );
  }
});

test('decrypt: every decrypted event says so, and application data becomes tls.data (preview only when asked)', () => {
  const pcap = join(DECRYPT, 'tls12-cbc-etm.pcap');
  const evs = decode(pcap, keylogOf(pcap));
  const data = evs.filter((e) => e.type === 'tls.data');
  assert.ok(data.length >= 2);
  assert.ok(data.every((e) => e.decrypted === true && typeof e.length === 'number' && e.preview === undefined));
  assert.ok(evs.filter((e) => e.type === 'tls.alert').every((e) => e.decrypted === true));
  const fin = evs.filter((e) => e.msg === 'finished');
  assert.is(fin.length, 2);
  assert.ok(fin.every((e) => e.decrypted === true));
  const previews = decodeAll(readFileSync(pcap), all([keylogOf(pcap)!], { dataPreview: 14 })).filter((e) => e.type === 'tls.data');
  assert.is(previews[0]!.preview, 'GET / HTTP/1.0');
  assert.ok(String(previews[1]!.preview).startsWith('HTTP/1.0 200'), String(previews[1]!.preview));
});

/** Events without decryption: what a run without --keylog gives. */
function withoutKeys(evs: Event[]): string[] {
  return evs.map((e) => JSON.stringify(e));
}

test('decrypt: without a key log nothing changes; with keys for other connections only keys_missing is added', () => {
  for (const name of ['mtls13-nocert.pcap', 'tls12-ecdhe.pcap']) {
    const pcap = join(FIXTURES, name);
    const plain = decodeAll(readFileSync(pcap), all([]));
    assert.not.ok(
      plain.some((e) => 'decrypted' in e || e.type === 'tls.data' || 'keys_missing' in e),
      name,
    );
    const other = decodeAll(readFileSync(pcap), all([join(FIXTURES, 'tls11.keylog')]));
    const stripped = other.map((e) => {
      const c: Event = { ...e };
      delete c.keys_missing;
      if (c.type === 'tls.session') c.diagnoses = (c.diagnoses ?? []).filter((d) => d.code !== 'keys_missing');
      return c;
    });
    assert.equal(withoutKeys(stripped), withoutKeys(plain), name);
    const s = other.find((e) => e.type === 'tls.session')!;
    const missing = (s.diagnoses as { code: string; severity: string }[]).filter((d) => d.code === 'keys_missing');
    assert.is(missing.length, 1, name);
    assert.is(missing[0]!.severity, 'info');
  }
});

test('decrypt: wrong keys give tls.decrypt_failed and never a decrypted message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlsdump-wrongkeys-'));
  try {
    for (const name of ['mtls13-nocert', 'tls12-gcm', 'tls12-cbc-noetm']) {
      const pcap = join(DECRYPT, `${name}.pcap`);
      // Same client randoms, every secret with its last byte changed.
      const text = readFileSync(keylogOf(pcap)!, 'utf8').replace(/([0-9a-f]{2})$/gm, (b) => (parseInt(b, 16) ^ 0x5a).toString(16).padStart(2, '0'));
      const k = join(dir, `${name}.keylog`);
      writeFileSync(k, text);
      const evs = decodeAll(readFileSync(pcap), all([k]));
      assert.not.ok(
        evs.some((e) => e.decrypted === true || e.type === 'tls.data'),
        name,
      );
      const failed = evs.filter((e) => e.code === 'tls.decrypt_failed');
      assert.ok(failed.length >= 1 && failed.length <= 8, `${name}: ${failed.length} failures`);
      const plain = decodeAll(readFileSync(pcap), all([]));
      const hs = (x: Event[]) => x.filter((e) => e.type === 'tls.handshake').map((e) => e.msg);
      assert.equal(hs(evs), hs(plain), `${name}: the same messages as without keys`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A copy of a pcap without some frames (1-based). */
function dropFrames(pcap: Buffer, drop: Set<number>): Buffer {
  const parts = [pcap.subarray(0, 24)];
  let p = 24;
  for (let frame = 1; p + 16 <= pcap.length; frame++) {
    const len = pcap.readUInt32LE(p + 8);
    if (!drop.has(frame)) parts.push(pcap.subarray(p, p + 16 + len));
    p += 16 + len;
  }
  return Buffer.concat(parts);
}

test('decrypt: after a capture gap the record sequence number is found again (records_skipped)', () => {
  const pcap = join(DECRYPT, 'tls13-keyupdate.pcap');
  const keylog = keylogOf(pcap)!;
  const full = decode(pcap, keylog);
  // The frame of the client's first data record (its KeyUpdates follow): lose it.
  const data = full.filter((e) => e.type === 'tls.data' && e.dir === 'c2s');
  assert.ok(data.length >= 2);
  const lost = data[0]!.frame as number;
  const evs = decodeAll(dropFrames(readFileSync(pcap), new Set([lost])), all([keylog]));
  assert.ok(
    evs.some((e) => e.code === 'tcp.gap'),
    'the capture has a gap',
  );
  const skipped = evs.filter((e) => e.type === 'tls.record' && e.records_skipped !== undefined);
  assert.equal(
    skipped.map((e) => [e.dir, e.records_skipped]),
    [['c2s', 1]],
  );
  assert.is(evs.filter((e) => e.type === 'tls.data' && e.dir === 'c2s').length, data.length - 1);
  assert.not.ok(evs.some((e) => e.code === 'tls.decrypt_failed'));
  const updates = (x: Event[]) => x.filter((e) => e.msg === 'key_update').map((e) => e.dir);
  assert.equal(updates(evs), updates(full));
  const alerts = (x: Event[]) => x.filter((e) => e.type === 'tls.alert').map((e) => [e.dir, e.description]);
  assert.equal(alerts(evs), alerts(full));
});

test("decrypt: a gap that takes the server's TLS 1.3 Finished: its application keys are found by trying them", () => {
  const pcap = join(DECRYPT, 'tls13-keyupdate.pcap');
  const keylog = keylogOf(pcap)!;
  const full = decode(pcap, keylog);
  const fin = full.find((e) => e.msg === 'finished' && e.dir === 's2c')!;
  const evs = decodeAll(dropFrames(readFileSync(pcap), new Set([fin.frame as number])), all([keylog]));
  const after = (x: Event[]) =>
    x
      .filter(
        (e) =>
          e.dir === 's2c' &&
          e.decrypted === true &&
          (e.type === 'tls.data' || e.type === 'tls.alert' || e.msg === 'new_session_ticket' || e.msg === 'key_update'),
      )
      .map((e) => [e.type, e.msg ?? e.description ?? e.length]);
  assert.ok(after(full).length >= 4);
  assert.equal(after(evs), after(full));
});

test('decrypt: a pcapng Decryption Secrets Block decrypts without --keylog, as the key log does', () => {
  const dsb = decode(join(DECRYPT, 'mtls13-nocert-dsb.pcapng'), undefined);
  const pcap = join(DECRYPT, 'mtls13-nocert.pcap');
  const withLog = decode(pcap, keylogOf(pcap));
  assert.equal(eventsView(dsb), eventsView(withLog));
  const s = dsb.find((e) => e.type === 'tls.session')!;
  assert.equal([s.client_cert_requested, s.client_cert_sent], [true, false]);
});

const ssldump = join(CAPTURES, 'ssldump');
testIf(haveShared && existsSync(ssldump), '../shared/captures/ssldump absent')(
  'decrypt: the ssldump samples (every TLS 1.3 suite, KeyUpdate, resumption) agree with tshark',
  () => {
    const dir = ssldump;
    const keylog = join(dir, 'keylog.txt');
    let n = 0;
    for (const f of readdirSync(dir)
      .filter((x) => x.endsWith('.pcap'))
      .sort()) {
      const want = cachedTsharkView(CACHE, `shared/ssldump/${f}`, join(dir, f), keylog);
      if (!want) continue;
      const evs = decode(join(dir, f), keylog);
      assert.equal(compareViews(want, eventsView(evs)), [], f);
      assert.ok(
        evs.some((e) => e.decrypted === true),
        f,
      );
      n++;
    }
    if (n === 0) skipping('tshark absent and no cached view for the ssldump samples');
  },
);

test('decrypt: secrets appended to a key log after the connection began are still used (a live key log)', () => {
  const pcap = join(DECRYPT, 'mtls13-nocert.pcap');
  const bytes = readFileSync(pcap);
  const dir = mkdtempSync(join(tmpdir(), 'tlsdump-live-'));
  try {
    const k = join(dir, 'live.keylog');
    writeFileSync(k, '# written while the capture runs\n');
    const keys = new KeyStore([k]);
    const evs: Event[] = [];
    const d = createDecoder(all([k]), (e) => evs.push(e), keys);
    // The capture up to the ClientHello (frame 4) goes in before any secret is in the file.
    let cut = 24;
    for (let frame = 1; frame <= 4; frame++) cut += 16 + bytes.readUInt32LE(cut + 8);
    d.push(bytes.subarray(0, cut));
    appendFileSync(k, readFileSync(keylogOf(pcap)!));
    d.push(bytes.subarray(cut));
    d.end();
    assert.equal(eventsView(evs), eventsView(decode(pcap, keylogOf(pcap))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const decryptHoldout = process.env.TLSDUMP_DECRYPT_HOLDOUT;
testIf(decryptHoldout !== undefined && haveTool('tshark'), 'TLSDUMP_DECRYPT_HOLDOUT not set (scripts/decrypt/record.sh --holdout DIR), or no tshark')(
  'decrypt: a holdout recording (TLSDUMP_DECRYPT_HOLDOUT) agrees with tshark',
  () => {
    const dir = decryptHoldout!;
    for (const f of readdirSync(dir)
      .filter((x) => /\.pcap$/.test(x))
      .sort()) {
      const pcap = join(dir, f);
      const keylog = keylogOf(pcap);
      const want: DecryptView = tsharkView(pcap, keylog);
      const diffs = compareViews(want, eventsView(decodeAll(readFileSync(pcap), all(keylog ? [keylog] : []))));
      if (f === 'tls12-camellia.pcap') continue;
      assert.equal(diffs, [], f);
    }
  },
);

test.run();
