// Verdicts that once went wrong, each on a real recording or an excerpt of one: a timestamp that jumps forward, a TLS
// 1.3 client alert taken for a Finished, NULL cipher suites, early_data after a gap, the TLS 1.3 session-id echo,
// roles when the server's packet comes first, TLS 1.3 drafts in the verdict, and certificate dates judged against the
// capture's time only when the capture has one. tshark is the oracle where it is installed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { splitVersion } from '../../lib/output/ecs.js';
import { pcapFile, readPcap } from '../pcap/build.js';
import { CAPTURES, FIXTURES, ROOT, haveShared, haveTool, skipping, testIf, tcpdumpText } from '../support/shared.js';

const options = defaultOptions({ events: new Set(EVENT_TYPES) });
const OWN = join(FIXTURES, 'edge-cases');
const decode = (input: Uint8Array | string): Event[] => decodeAll(input, options);
const sessionOf = (events: Event[]): Event[] => events.filter((e) => e.type === 'tls.session');
type Diag = { code: string; severity: string; message: string; side?: string };
const diags = (s: Event): Diag[] => s.diagnoses as Diag[];

/** tshark's records of a capture, per frame: [source address, content type, length]. */
function tsharkRecords(pcap: string): [string, number, number][] {
  const out = execFileSync(
    'tshark',
    ['-r', pcap, '-Y', 'tls', '-T', 'fields', '-e', 'ip.src', '-e', 'tls.record.content_type', '-e', 'tls.record.length'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  ).toString();
  const recs: [string, number, number][] = [];
  for (const line of out.split('\n').filter(Boolean)) {
    const [src, types, lens] = line.split('\t');
    const t = types!.split(',');
    const l = lens!.split(',');
    t.forEach((x, i) => recs.push([src!, Number(x), Number(l[i])]));
  }
  return recs;
}

test('NULL cipher (TLS_RSA_WITH_NULL_SHA256): records after ChangeCipherSpec are plaintext; both Finished and both close_notify are decoded', () => {
  const pcap = join(OWN, 'null-sha256.pcap');
  const events = decode(readFileSync(pcap));
  const records = events.filter((e) => e.type === 'tls.record');
  assert.ok(
    records.every((r) => r.encrypted === false),
    'no record is encrypted',
  );
  const finished = events.filter((e) => e.type === 'tls.handshake' && e.msg === 'finished');
  assert.equal(
    finished.map((e) => [e.dir, e.length]),
    [
      ['c2s', 12],
      ['s2c', 12],
    ],
    'a 12-byte Finished each way (RFC 5246 §7.4.9)',
  );
  const alerts = events.filter((e) => e.type === 'tls.alert');
  assert.equal(
    alerts.map((e) => [e.dir, e.level, e.description]),
    [
      ['s2c', 'warning', 'close_notify'],
      ['c2s', 'warning', 'close_notify'],
    ],
  );
  const [s] = sessionOf(events);
  assert.is(s!.cipher, 'TLS_RSA_WITH_NULL_SHA256');
  assert.is(s!.established, true);
  assert.is(s!.client_cert_requested, false);
  assert.ok(diags(s!).some((d) => d.code === 'weak_cipher'));
  if (!haveTool('tshark')) return skipping('tshark absent: NULL cipher records against tshark');
  const ours = records.map((r) => [r.dir, r.content_id, r.length]);
  const client = tsharkRecords(pcap)[0]![0];
  assert.equal(
    ours,
    tsharkRecords(pcap).map(([src, t, l]) => [src === client ? 'c2s' : 's2c', t, l]),
    'the records tshark sees',
  );
});

test("TLS 1.3: a client's 19-byte record after the server's flight is an inferred alert, not a Finished, and the failed handshake is diagnosed (GnuTLS client, unknown CA)", () => {
  const events = decode(readFileSync(join(OWN, 'tls13-gnutls-reject.pcap')));
  const client = events.filter((e) => e.type === 'tls.record' && e.dir === 'c2s' && e.content === 'application_data');
  assert.equal(
    client.map((r) => [r.length, r.flight]),
    [[19, undefined]],
    'one unlabelled 19-byte record',
  );
  const [s] = sessionOf(events);
  assert.is(s!.established, false);
  assert.equal(s!.alerts, [{ dir: 'c2s', encrypted: true, inferred: true }]);
  const d = diags(s!).find((x) => x.code === 'tls13_alert_inferred');
  assert.ok(d && d.side === 'client' && /client sent one 19-byte record/.test(d.message), JSON.stringify(s!.diagnoses));
  // The OpenSSL client sends the same refusal in plaintext: a real unknown_ca alert.
  const [o] = sessionOf(decode(readFileSync(join(OWN, 'tls13-client-reject.pcap'))));
  assert.equal(o!.alerts, [{ dir: 'c2s', level: 'fatal', description: 'unknown_ca' }]);
});

test('a packet whose timestamp jumps far forward stays in its flow (pcap): one connection, not two', () => {
  const { linkType, recs } = readPcap(readFileSync(join(FIXTURES, 'tls12-ecdhe.pcap')));
  const whole = sessionOf(decode(readFileSync(join(FIXTURES, 'tls12-ecdhe.pcap'))));
  const half = Math.floor(recs.length / 2);
  const jumped = pcapFile(
    recs.map((r, i) => (i >= half ? { ...r, sec: r.sec + 100_000 } : r)),
    { linkType },
  );
  const events = decode(jumped);
  const flows = new Set(events.filter((e) => e.flow !== undefined).map((e) => e.flow));
  assert.equal([...flows], [0], 'every event in flow 0');
  assert.ok(!events.some((e) => e.code === 'tcp.midstream'), 'no mid-stream second half');
  const [s] = sessionOf(events);
  assert.is(s!.established, whole[0]!.established);
  assert.is(s!.history, whole[0]!.history);
});

test("TLS 1.3 after a gap that lost the ServerHello: the client's records are not early data (the ClientHello offered none)", () => {
  const pcap = readFileSync(join(FIXTURES, 'tls13.pcap'));
  const { linkType, recs } = readPcap(pcap);
  const client = recs[0]!.data.subarray(26, 30).join('.');
  // The server's first data packet: ServerHello and the start of its encrypted flight.
  const sh = recs.findIndex((r) => r.data.subarray(26, 30).join('.') !== client && r.data.length > 66 + 5 && r.data[66] === 0x16);
  assert.ok(sh > 0);
  const events = decode(
    pcapFile(
      recs.filter((_, i) => i !== sh),
      { linkType },
    ),
  );
  assert.ok(
    events.some((e) => e.code === 'tcp.gap'),
    'the hole is there',
  );
  assert.ok(!events.some((e) => e.flight === 'early_data'), JSON.stringify(events.filter((e) => e.flight)));
});

test('text format: a TLS 1.3 ServerHello that echoes the legacy session id is compatibility mode, not resumption', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tlsdump.js'), '--format', 'text', join(FIXTURES, 'tls13.pcap')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /session id 32 bytes \(echoed: compatibility mode\)/);
  assert.ok(!r.stdout.includes('resumption'));
  const t12 = spawnSync(process.execPath, [join(ROOT, 'bin', 'tlsdump.js'), '--format', 'text', join(FIXTURES, 'resume12-sessid.pcap')], {
    encoding: 'utf8',
  });
  assert.match(t12.stdout, /\(echoed: resumption\)/, 'TLS 1.2 still says resumption');
});

// ---- certificate dates ----

const expired = join(FIXTURES, 'server-expired.pcap');
const certDiags = (events: Event[]): Diag[] =>
  diags(sessionOf(events)[0]!).filter((d) => d.code === 'cert_expired' || d.code === 'cert_not_yet_valid');

test("dates: with the capture's time (pcap timestamps) an expired certificate is an error that names that time", () => {
  const d = certDiags(decode(readFileSync(expired)));
  assert.ok(d.length > 0);
  for (const x of d) {
    assert.is(x.severity, 'error');
    assert.match(x.message, /expired on \S+, before the capture's time \(\d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
  }
});

test("dates: zeroed pcap timestamps and text without dates are no date: info, the certificate's bounds, today named, no error", () => {
  const { linkType, recs } = readPcap(readFileSync(expired));
  const inputs: [string, Uint8Array][] = [
    [
      'zeroed pcap timestamps',
      pcapFile(
        recs.map((r, i) => ({ ...r, sec: 0, frac: i })),
        { linkType },
      ),
    ],
  ];
  if (haveTool('tcpdump')) inputs.push(['tcpdump -nn -XX', tcpdumpText(expired, ['-nn', '-XX'])]);
  for (const [what, input] of inputs) {
    const d = certDiags(decode(input));
    assert.ok(d.length > 0, what);
    for (const x of d) {
      assert.is(x.severity, 'info', `${what}: ${x.message}`);
      assert.match(x.message, /^the capture date is unknown .* is valid from \S+ and expired on \S+, before today \(\d{4}-\d\d-\d\d\)/, what);
    }
  }
  if (!haveTool('tcpdump')) return skipping('tcpdump absent: dated text');
  const dated = certDiags(decode(tcpdumpText(expired, ['-nn', '-tttt', '-XX'])));
  assert.ok(dated.length > 0 && dated.every((x) => x.severity === 'error'), '-tttt: judged at the capture time');
});

// ---- public captures ----

testIf(haveShared, '../shared/captures absent: public role checks')(
  'roles: a capture whose first packet comes from the server (public captures) gives the server its role',
  () => {
    const cases: [string, string][] = [
      ['pcapplusplus/SSL-MultipleAppData.pcap', '216.58.208.35:443'],
      ['pcapplusplus/tls_server_hello.pcap', '[2607:f8b0:4005:80b::2010]:443'],
      ['pcapplusplus/SSL-AlertEnc.pcap', ''],
    ];
    for (const [file, server] of cases) {
      const events = decode(readFileSync(join(CAPTURES, file)));
      for (const s of sessionOf(events)) {
        assert.ok(String(s.server).endsWith(':443'), `${file}: server ${s.server}`);
        if (server) assert.is(s.server, server, file);
        assert.ok(!diags(s).some((d) => d.code === 'handshake_incomplete'), `${file}: ${JSON.stringify(s.diagnoses)}`);
      }
    }
  },
);

testIf(haveShared, '../shared/captures absent: TLS 1.3 draft check')(
  'TLS 1.3 drafts count as TLS 1.3 in the verdict (draft-28 public capture): client certificate facts are null, not false',
  () => {
    const [s] = sessionOf(decode(readFileSync(join(CAPTURES, 'suricata-verify/tls13-draft28.pcap'))));
    assert.match(String(s!.version), /^TLS 1\.3/);
    assert.is(s!.client_cert_requested, null);
    assert.is(s!.client_cert_sent, null);
    assert.ok(diags(s!).some((d) => d.code === 'client_cert_not_visible'));
    assert.equal(splitVersion(s!.version), { protocol: 'tls', version: '1.3' }, 'ECS: tls.version 1.3');
  },
);

test.run();
