import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { dnFields, EcsDocuments, ECS_NEEDS, ECS_VERSION, splitVersion, x509Fields, type EcsDocument } from '../../lib/output/ecs.js';
import { worstDiagnosis } from '../../lib/session/diagnosis.js';
import { CAPTURES, FIXTURES, captureFiles, haveShared, haveTool, ROOT, testIf, tcpdumpText } from '../support/shared.js';
import { loadAllowed, loadEcsFields, validateEcs } from './ecs-fields.js';

const fields = loadEcsFields();
const allowed = loadAllowed();

function ecsOf(input: Uint8Array | string): EcsDocument[] {
  const docs: EcsDocument[] = [];
  const b = new EcsDocuments(
    (d) => docs.push(d),
    () => new Date('2030-01-02T03:04:05.000Z'),
  );
  for (const ev of decodeAll(input, defaultOptions({ events: new Set(ECS_NEEDS) }))) b.push(ev);
  b.end();
  return docs;
}

const get = (doc: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);

const canText = haveTool('tcpdump');
const fixtures = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.pcap'))
      .sort()
  : [];

test('ecs: the vendored field list is ECS 9.4.0 and holds the fields the output uses', () => {
  assert.is(ECS_VERSION, allowed.ecs_version);
  assert.ok(fields.size > 150);
  for (const f of fields.values()) assert.is(f.version, ECS_VERSION);
  assert.is(fields.get('tls.server.hash.sha256')?.type, 'keyword');
  assert.is(fields.get('destination.port')?.type, 'long');
  assert.is(fields.get('tls.client.supported_ciphers')?.array, true);
});

test('ecs: the validator rejects unknown fields, wrong types, arrays where ECS has one value, and values outside the allowed lists', () => {
  const good = {
    '@timestamp': '2024-01-01T00:00:00Z',
    ecs: { version: ECS_VERSION },
    event: { kind: 'event', category: ['network'], type: ['connection'] },
    destination: { port: 443 },
  };
  assert.equal(validateEcs(good, fields, allowed), []);
  const bad = {
    '@timestamp': 'yesterday',
    ecs: { version: '1.0.0' },
    event: { kind: 'happening', category: ['network'], type: ['creation'], outcome: 'ok' },
    destination: { port: '443', ip: 'not-an-ip' },
    tls: { client: { sni: 'x' }, established: 'yes', version: ['1.2'] },
  };
  const errors = validateEcs(bad, fields, allowed).join('\n');
  for (const want of [
    '@timestamp',
    'ecs.version',
    'event.kind',
    "event.type 'creation'",
    'event.outcome',
    'destination.port',
    'destination.ip',
    'tls.client.sni: not an ECS',
    'tls.established',
    'tls.version: an array',
  ]) {
    assert.ok(errors.includes(want), `expected an error about ${want} in:\n${errors}`);
  }
});

test('ecs: RFC 4514 names become ECS name fields (escapes undone, certificate order)', () => {
  const f = dnFields('CN=a\\,b,OU=x+OU=y,O=Org\\1B\\07,L=Town,ST=State,C=US,1.2.3=#0403414243');
  assert.equal(f.common_name, ['a,b']);
  assert.equal(f.organizational_unit, ['y', 'x']);
  assert.equal(f.organization, ['Org\u001b\u0007']);
  assert.equal(f.country, ['US']);
  assert.is(f.distinguished_name, 'CN=a\\,b,OU=x+OU=y,O=Org\\1B\\07,L=Town,ST=State,C=US,1.2.3=#0403414243');
  assert.equal(splitVersion('SSL 3.0'), { protocol: 'ssl', version: '3.0' });
  assert.equal(splitVersion('TLS 1.3'), { protocol: 'tls', version: '1.3' });
  assert.is(splitVersion(null), undefined);
  const x = x509Fields({
    subject: 'CN=h',
    issuer: 'CN=i',
    serial: '0a1b',
    not_before: '2020-01-01T00:00:00Z',
    not_after: null,
    san: ['h'],
    key_type: 'ec',
    key_bits: 256,
    curve: 'secp256r1',
    sig_alg: 'ecdsa-with-SHA256',
    version: 3,
    subject_cn: ['h'],
  });
  assert.equal(x, {
    subject: { distinguished_name: 'CN=h', common_name: ['h'] },
    issuer: { distinguished_name: 'CN=i', common_name: ['i'] },
    serial_number: '0A1B',
    not_before: '2020-01-01T00:00:00Z',
    alternative_names: ['h'],
    public_key_algorithm: 'ECDSA',
    public_key_size: 256,
    public_key_curve: 'secp256r1',
    signature_algorithm: 'ECDSA-SHA256',
    version_number: '3',
  });
  assert.is(x509Fields({ error: 'bad', sha256: 'ab' }), undefined);
});

test('ecs: the seed trace gives one document, which validates, with the time of processing as @timestamp (no date in the trace)', () => {
  const docs = ecsOf(readFileSync(join(ROOT, 'data', 'seed-trace1.txt')));
  assert.is(docs.length, 1);
  const d = docs[0]!;
  assert.equal(validateEcs(d, fields, allowed), []);
  assert.is(d['@timestamp'], '2030-01-02T03:04:05.000Z');
  assert.is(get(d, 'source.ip'), '216.182.45.246');
  assert.is(get(d, 'destination.port'), 443);
  assert.is(get(d, 'tls.version_protocol'), 'tls');
  assert.is(get(d, 'tls.version'), '1.0');
  assert.is(get(d, 'tls.cipher'), 'TLS_RSA_WITH_AES_256_CBC_SHA');
  assert.is(get(d, 'tls.server.hash.sha256'), '561B8650FE790564EFFBB0845CC16FB32EB354E4E3217BF4E8E336228485A226');
  assert.is(get(d, 'tls.server.x509.subject.common_name.0'), 'www.google.com');
  assert.is(get(d, 'tls.server.x509.issuer.organization.0'), 'Thawte Consulting (Pty) Ltd.');
  assert.is(get(d, 'tls.server.x509.signature_algorithm'), 'SHA1-RSA');
  assert.ok((get(d, 'tlsdump.diagnosis_codes') as string[]).includes('cert_expired'));
});

testIf(canText && fixtures.length > 0, 'tcpdump or test/fixtures absent: recorded-capture ECS checks')(
  "ecs: every recorded capture gives documents that validate and carry the manifest facts and tshark's leaf hash (upper-case)",
  () => {
    const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
      captures: Record<string, { visible: Record<string, unknown>[] }>;
    };
    let checked = 0;
    for (const name of fixtures) {
      const docs = ecsOf(tcpdumpText(join(FIXTURES, name), ['-nn', '-XX']));
      for (const d of docs) assert.equal(validateEcs(d, fields, allowed), [], `${name}: ${JSON.stringify(validateEcs(d, fields, allowed))}`);
      const tshark = JSON.parse(readFileSync(join(FIXTURES, name.replace(/\.pcap$/, '.tshark.json')), 'utf8')) as {
        flows: Record<string, { sni: string | null; certs: { s2c: string[] } }>;
      };
      for (const v of manifest.captures[name]?.visible ?? []) {
        const d = docs.find((x) => get(x, 'tlsdump.flow') === v.flow);
        assert.ok(d, `${name} flow ${String(v.flow)}: a document`);
        const [cip, cport] = [String(v.client).replace(/^\[?(.*?)\]?:(\d+)$/, '$1'), Number(String(v.client).replace(/^.*:/, ''))];
        assert.is(get(d, 'source.ip'), cip, name);
        assert.is(get(d, 'source.port'), cport, name);
        assert.is(get(d, 'destination.port'), Number(String(v.server).replace(/^.*:/, '')), name);
        assert.is(get(d, 'network.transport'), 'tcp');
        assert.is(get(d, 'tls.client.server_name'), v.sni ?? undefined, `${name}: server_name`);
        const ver = splitVersion(v.version);
        assert.is(get(d, 'tls.version_protocol'), ver?.protocol, `${name}: version_protocol`);
        assert.is(get(d, 'tls.version'), ver?.version, `${name}: version`);
        assert.is(get(d, 'tls.established'), v.established, `${name}: established`);
        assert.is(get(d, 'tls.resumed'), v.resumed, `${name}: resumed`);
        assert.is(get(d, 'tlsdump.client_cert_requested'), v.client_cert_requested, `${name}: client_cert_requested`);
        // tshark.json is tshark with its defaults, which do not reassemble out-of-order segments (the netem
        // captures): then tshark is asked again with that reassembly on.
        const key = `${String(v.client)}>${String(v.server)}`;
        const leaf = tshark.flows[key]?.certs.s2c[0] ?? (Number(v.server_certs) > 0 ? tsharkLeaves(join(FIXTURES, name)).get(key) : undefined);
        assert.is(get(d, 'tls.server.hash.sha256'), leaf?.toUpperCase(), `${name}: server hash`);
        checked++;
      }
    }
    assert.ok(checked >= 40, `${checked} connections checked`);
  },
);

/** The SHA-256 of the first certificate the server sent, per flow, from tshark with out-of-order reassembly on. */
function tsharkLeaves(pcap: string): Map<string, string> {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      pcap,
      '-o',
      'tcp.desegment_tcp_streams:TRUE',
      '-o',
      'tcp.reassemble_out_of_order:TRUE',
      '-o',
      'tls.desegment_ssl_records:TRUE',
      '-Y',
      'tls.handshake.certificate',
      '-T',
      'fields',
      '-E',
      'occurrence=f',
      '-e',
      'ip.src',
      '-e',
      'ipv6.src',
      '-e',
      'tcp.srcport',
      '-e',
      'ip.dst',
      '-e',
      'ipv6.dst',
      '-e',
      'tcp.dstport',
      '-e',
      'tls.handshake.certificate',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const ep = (ip: string, port: string) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [s4, s6, sp, d4, d6, dp, der] = line.split('\t');
    if (!sp || !dp || !der) continue;
    const key = `${ep(d4 || d6!, dp)}>${ep(s4 || s6!, sp)}`;
    if (!m.has(key))
      m.set(
        key,
        createHash('sha256')
          .update(Buffer.from(der.replace(/:/g, ''), 'hex'))
          .digest('hex'),
      );
  }
  return m;
}

/** tshark's negotiated version per flow (`client>server`), from the ServerHello (supported_versions first). */
function tsharkVersions(pcap: string): Map<string, string> {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      pcap,
      '-o',
      'tcp.desegment_tcp_streams:TRUE',
      '-o',
      'tls.desegment_ssl_records:TRUE',
      '-Y',
      'tls.handshake.type == 2',
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=|',
      '-e',
      'ip.src',
      '-e',
      'ipv6.src',
      '-e',
      'tcp.srcport',
      '-e',
      'ip.dst',
      '-e',
      'ipv6.dst',
      '-e',
      'tcp.dstport',
      '-e',
      'tls.handshake.type',
      '-e',
      'tls.handshake.version',
      '-e',
      'tls.handshake.extensions.supported_version',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const names: Record<string, string> = { '0x0300': 'ssl 3.0', '0x0301': 'tls 1.0', '0x0302': 'tls 1.1', '0x0303': 'tls 1.2', '0x0304': 'tls 1.3' };
  const ep = (ip: string, port: string) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [s4, s6, sp, d4, d6, dp, types, versions, supported] = line.split('\t');
    if (!sp || !dp || (s4 ?? '').includes(',')) continue;
    const i = (types ?? '').split('|').indexOf('2');
    const v = (supported ?? '').split('|').filter(Boolean).pop() ?? (versions ?? '').split('|')[i];
    const name = v ? names[v] : undefined;
    if (name) m.set(`${ep(d4 || d6!, dp)}>${ep(s4 || s6!, sp)}`, name);
  }
  return m;
}

testIf(haveShared && canText && haveTool('tshark'), '../shared/captures, tcpdump or tshark absent: public-capture ECS checks')(
  'ecs: on public captures never used to build it, server_name, version, transport, ports, source.ip and the server hash match tshark',
  () => {
    let docsSeen = 0;
    let compared = 0;
    const mismatches: string[] = [];
    for (const pcap of captureFiles(CAPTURES)) {
      const factsFile = pcap.replace(/\.(pcap|pcapng)$/, '.tshark.json');
      if (!existsSync(factsFile)) continue;
      const docs = ecsOf(tcpdumpText(pcap, ['-nn', '-XX']));
      docsSeen += docs.length;
      for (const d of docs) {
        const errors = validateEcs(d, fields, allowed);
        if (errors.length) mismatches.push(`${pcap}: ${errors.join('; ')}`);
      }
      const facts = JSON.parse(readFileSync(factsFile, 'utf8')) as { flows: Record<string, { sni: string | null; certs: { s2c: string[] } }> };
      const versions = tsharkVersions(pcap);
      for (const d of docs) {
        const src = get(d, 'source.ip') as string;
        const key = `${src.includes(':') ? `[${src}]` : src}:${String(get(d, 'source.port'))}>${(() => {
          const ip = get(d, 'destination.ip') as string;
          return ip.includes(':') ? `[${ip}]` : ip;
        })()}:${String(get(d, 'destination.port'))}`;
        const f = facts.flows[key];
        if (!f) continue; // a connection tshark did not see as TCP (tunnels it does not follow)
        compared++;
        const where = `${pcap.slice(CAPTURES.length + 1)} ${key}`;
        if (get(d, 'network.transport') !== 'tcp') mismatches.push(`${where}: transport`);
        if (f.sni && get(d, 'tls.client.server_name') !== f.sni)
          mismatches.push(`${where}: server_name ${String(get(d, 'tls.client.server_name'))} vs tshark ${f.sni}`);
        const leaf = f.certs.s2c[0];
        if (leaf && get(d, 'tls.server.hash.sha256') !== leaf.toUpperCase())
          mismatches.push(`${where}: server hash ${String(get(d, 'tls.server.hash.sha256'))} vs tshark ${leaf.toUpperCase()}`);
        const v = versions.get(key);
        const ours = `${String(get(d, 'tls.version_protocol'))} ${String(get(d, 'tls.version'))}`;
        if (v && ours !== v) mismatches.push(`${where}: version ${ours} vs tshark ${v}`);
      }
    }
    assert.ok(docsSeen > 100, `${docsSeen} documents`);
    assert.ok(compared > 100, `${compared} connections compared`);
    assert.equal(mismatches, []);
  },
);

const holdout = process.env.TLSDUMP_HOLDOUT;
testIf(holdout !== undefined && existsSync(join(holdout, 'manifest.json')) && canText, 'TLSDUMP_HOLDOUT not set: holdout ECS checks')(
  'ecs: a holdout recording (TLSDUMP_HOLDOUT=DIR from scripts/record/record.sh --holdout) gives the manifest facts',
  () => {
    const dir = holdout!;
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      captures: Record<string, { visible: Record<string, unknown>[] }>;
    };
    let checked = 0;
    for (const [name, c] of Object.entries(manifest.captures)) {
      const docs = ecsOf(tcpdumpText(join(dir, name), ['-nn', '-XX']));
      // tshark's default view loses certificates behind reordering (netem captures): ask it with reassembly on.
      const leaves = tsharkLeaves(join(dir, name));
      for (const v of c.visible) {
        const d = docs.find((x) => get(x, 'tlsdump.flow') === v.flow);
        assert.ok(d, `${name} flow ${String(v.flow)}`);
        assert.equal(validateEcs(d, fields, allowed), []);
        assert.is(get(d, 'tls.client.server_name'), v.sni ?? undefined, name);
        assert.is(get(d, 'tls.version_protocol'), splitVersion(v.version)?.protocol, name);
        assert.is(get(d, 'destination.port'), Number(String(v.server).replace(/^.*:/, '')), name);
        assert.is(get(d, 'source.ip'), String(v.client).replace(/^\[?(.*?)\]?:(\d+)$/, '$1'), name);
        assert.is(get(d, 'tls.server.hash.sha256'), leaves.get(`${String(v.client)}>${String(v.server)}`)?.toUpperCase(), name);
        checked++;
      }
    }
    assert.ok(checked > 0);
  },
);

test('ecs: @timestamp and event.start/end come from ISO capture times; a time of day alone stays in tlsdump.capture_time', () => {
  const session = (ts: string | undefined): Event =>
    ({
      type: 'tls.session',
      ts,
      flow: 0,
      client: '10.0.0.1:5000',
      server: '[2001:db8::1]:443',
      version: 'TLS 1.2',
      established: false,
      diagnoses: [{ code: 'handshake_incomplete', severity: 'error', message: 'm' }],
    }) as Event;
  const run = (openTs: string | undefined, closeTs: string | undefined): EcsDocument => {
    const docs: EcsDocument[] = [];
    const b = new EcsDocuments(
      (d) => docs.push(d),
      () => new Date('2030-01-01T00:00:00.000Z'),
    );
    b.push({ type: 'flow', event: 'open', flow: 0, ts: openTs, client: '10.0.0.1:5000', server: '[2001:db8::1]:443' });
    b.push({ type: 'flow', event: 'close', flow: 0, ts: closeTs, bytes: { c2s: 10, s2c: 20 } });
    b.push(session(closeTs));
    return docs[0]!;
  };
  const iso = run('2024-03-01T10:00:00.000100Z', '2024-03-01T10:00:01.500300Z');
  assert.is(iso['@timestamp'], '2024-03-01T10:00:00.000100Z');
  assert.is(get(iso, 'event.end'), '2024-03-01T10:00:01.500300Z');
  assert.is(get(iso, 'event.duration'), 1500200000);
  assert.is(get(iso, 'event.outcome'), 'failure');
  assert.is(get(iso, 'event.reason'), 'm');
  assert.is(get(iso, 'destination.ip'), '2001:db8::1');
  assert.is(get(iso, 'network.type'), 'ipv4');
  assert.is(get(iso, 'network.bytes'), 30);
  assert.is(get(iso, 'tlsdump.capture_time'), undefined);
  const tod = run('10:00:00.000100', '10:00:01.5');
  assert.is(tod['@timestamp'], '2030-01-01T00:00:00.000Z');
  assert.is(get(tod, 'event.start'), undefined);
  assert.is(get(tod, 'tlsdump.capture_time'), '10:00:00.000100');
  assert.equal(validateEcs(iso, fields, allowed), []);
  assert.equal(validateEcs(tod, fields, allowed), []);
});

test("ecs: supported_ciphers leave GREASE out and keep unknown suites by number; next_protocol and curve come from the server's hello and key exchange", () => {
  const docs: EcsDocument[] = [];
  const b = new EcsDocuments((d) => docs.push(d));
  b.push({ type: 'flow', event: 'open', flow: 3, client: '10.0.0.1:5000', server: '10.0.0.2:443' });
  // A name missing from the list (null) stands for a suite the writer could not name: it keeps its number.
  b.push({
    type: 'tls.handshake',
    flow: 3,
    dir: 'c2s',
    msg_id: 1,
    msg: 'client_hello',
    cipher_ids: [0x0a0a, 0xc02f, 0x5600],
    ciphers: ['GREASE', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', null],
    ja3_hash: 'abc',
  } as Event);
  b.push({
    type: 'tls.handshake',
    flow: 3,
    dir: 's2c',
    msg_id: 2,
    msg: 'server_hello',
    extensions: [{ id: 16, name: 'application_layer_protocol_negotiation', length: 5, protocols: ['H2'] }],
  });
  b.push({ type: 'tls.handshake', flow: 3, dir: 's2c', msg_id: 12, msg: 'server_key_exchange', named_group: 'secp256r1' });
  b.push({ type: 'flow', event: 'close', flow: 3, bytes: { c2s: 1, s2c: 2 } });
  b.push({ type: 'tls.session', flow: 3, client: '10.0.0.1:5000', server: '10.0.0.2:443', version: 'TLS 1.2', established: true, diagnoses: [] });
  assert.is(docs.length, 1);
  assert.equal(get(docs[0], 'tls.client.supported_ciphers'), ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', '0x5600']);
  assert.is(get(docs[0], 'tls.next_protocol'), 'h2');
  assert.is(get(docs[0], 'tls.curve'), 'secp256r1');
  assert.is(get(docs[0], 'tls.client.ja3'), 'abc');
  assert.is(get(docs[0], 'event.outcome'), 'success');
  assert.equal(validateEcs(docs[0]!, fields, allowed), []);
  // A flow with no TLS leaves nothing behind and gives no document.
  b.push({ type: 'flow', event: 'open', flow: 4, client: '10.0.0.1:5001', server: '10.0.0.2:80' });
  b.push({ type: 'flow', event: 'close', flow: 4 });
  b.push({ type: 'anomaly', code: 'x', message: 'y' });
  assert.is(docs.length, 1);
  assert.is((b as unknown as { flows: Map<number, unknown> }).flows.size, 0);
});

test('ecs: the worst diagnosis is the highest severity, a specific cause before a generic one, else the first', () => {
  const d = (code: string, severity: string) => ({ code, severity, message: code });
  assert.is(worstDiagnosis([d('handshake_alert', 'error'), d('no_shared_cipher', 'error'), d('weak_protocol', 'warning')])?.code, 'no_shared_cipher');
  assert.is(worstDiagnosis([d('weak_protocol', 'warning'), d('reset', 'error')])?.code, 'reset');
  assert.is(worstDiagnosis([d('cert_expired', 'error'), d('hostname_mismatch', 'error')])?.code, 'cert_expired');
  assert.is(worstDiagnosis([]), undefined);
});

test.run();
