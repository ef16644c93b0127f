import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event, EventType } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { wantColor } from '../../lib/output/color.js';
import { jsonLine } from '../../lib/output/jsonline.js';
import { Positions } from '../../lib/output/positions.js';
import { hasUnsafe, sanitize } from '../../lib/output/sanitize.js';
import { TextFormatter, textNeeds, TEXT_DEFAULT_SHOW } from '../../lib/output/text.js';
import { FIXTURES, haveTool, ROOT, testIf, tcpdumpText } from '../support/shared.js';
import { framePayloads, hostileCapture, RAW_CONTROL } from './mutate.js';

const SEED = join(ROOT, 'data', 'seed-trace1.txt');
const fixtures = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.pcap'))
      .sort()
  : [];
const canText = haveTool('tcpdump');

interface Run {
  text: string;
  events: Event[];
}

function textOf(input: Uint8Array | string, o: { explain?: boolean; color?: boolean; show?: EventType[]; max?: number } = {}): Run {
  const show = new Set(o.show ?? TEXT_DEFAULT_SHOW);
  const explain = o.explain ?? false;
  const events = decodeAll(input, defaultOptions({ events: new Set(textNeeds({ show, explain })) }));
  let text = '';
  const f = new TextFormatter({ show, explain, color: o.color ?? false, maxEventsPerFlow: o.max }, (s) => (text += s));
  for (const ev of events) f.push(ev);
  f.end();
  return { text, events };
}

const SGR = /\u001b\[\d+m/g;

test('text: prose between dump blocks is one line per stretch of prose runs; NDJSON keeps an anomaly per run', () => {
  const seed = readFileSync(SEED, 'latin1').split('\n');
  // Three paragraphs of prose between the packets of the seed's first trace (each one a run of its own).
  const lines = [...seed];
  for (const at of [20, 10, 3]) lines.splice(at, 0, '', `Paragraph before line ${at} of the trace.`, 'It goes on here.', '');
  const run = textOf(['Some words first.', ...lines].join('\n'));
  const unparsed = run.events.filter((e) => e.code === 'input.unparsed');
  assert.is(unparsed.length, 4, 'NDJSON: one input.unparsed per run');
  const prose = run.text.split('\n').filter((l) => l.includes('input.unparsed'));
  assert.is(prose.length, 1, prose.join('\n'));
  assert.match(
    prose[0]!,
    /lines 1–\d+ +anomaly input\.unparsed ×4: .*\(at lines 1, \d+, \d+, \d+\): "Some words first\." … "Paragraph before line 20/,
  );
  // A single run keeps its own line, as before.
  const one = textOf(['Only one remark.', ...seed].join('\n'));
  assert.match(one.text, /line 1 +anomaly input\.unparsed: line 1 is not tcpdump output/);
});

test('sanitize: control characters, C1, bidi overrides and separators become visible escapes; the rest is kept', () => {
  assert.is(sanitize('a\u001b[31mb\u0007c\r\nd\u0000'), 'a\\x1b[31mb\\x07c\\x0d\\x0ad\\x00');
  assert.is(sanitize('x\u009b1m\u007f'), 'x\\x9b1m\\x7f');
  assert.is(sanitize('abc\u202eexe.txt\u2066\u2028'), 'abc\\u{202e}exe.txt\\u{2066}\\u{2028}');
  assert.is(sanitize('Zürich — 東京 CN=a\\,b'), 'Zürich — 東京 CN=a\\,b');
  assert.ok(hasUnsafe('\u001b'));
  assert.ok(!hasUnsafe('plain'));
  assert.ok(!hasUnsafe('plain'), 'twice in a row (no regex state left over)');
});

test('jsonLine: DEL, C1 and bidi controls are escaped and the line parses to the same value', () => {
  const v = { s: 'a\u009b\u202e\u007f\u2028\u001b', n: 1 };
  const line = jsonLine(v);
  assert.ok(!RAW_CONTROL.test(line.slice(0, -1)), line);
  assert.equal(JSON.parse(line), v);
});

test('color: on for a TTY only, and never when NO_COLOR is set to a non-empty value', () => {
  assert.is(wantColor({ isTTY: true }, {}), true);
  assert.is(wantColor({ isTTY: false }, {}), false);
  assert.is(wantColor({}, {}), false);
  assert.is(wantColor({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.is(wantColor({ isTTY: true }, { NO_COLOR: '' }), true);
});

test('text: the seed trace gives one block with the handshake, the verdict and every diagnosis', () => {
  const { text, events } = textOf(readFileSync(SEED));
  const session = events.find((e) => e.type === 'tls.session')!;
  assert.match(text, /^flow 0 {2}216\.182\.45\.246:63875 → 64\.233\.169\.99:443/m);
  for (const msg of [
    'client_hello TLS 1.0 (SSLv2 format)',
    'server_hello TLS 1.0 · TLS_RSA_WITH_AES_256_CBC_SHA',
    'certificate 2 certificates',
    '[0] CN=www.google.com',
    'server_hello_done',
    'client_key_exchange rsa',
  ]) {
    assert.ok(text.includes(msg), msg);
  }
  assert.match(text, /verdict {2}established · TLS 1\.0 · TLS_RSA_WITH_AES_256_CBC_SHA · full handshake/);
  assert.match(text, /client certificate: requested no, sent no/);
  for (const d of session.diagnoses as { code: string; message: string }[]) assert.ok(text.includes(`${d.code}: ${d.message}`), d.code);
  // Errors before warnings before info.
  assert.ok(text.indexOf('ERROR') < text.indexOf('WARNING') && text.indexOf('WARNING') < text.indexOf('info     '));
  assert.is(text.match(/^flow /gm)?.length, 1);
  assert.ok(!text.includes('\u001b'), 'no colour when not asked');
});

test("text --explain: the seed article's byte positions (packet line and TCP payload offset)", () => {
  const { text } = textOf(readFileSync(SEED), { explain: true });
  // The SSLv2 ClientHello at line 8: header 0x808c, then type 01, version 0301, cipher spec length 0063 (article).
  assert.ok(text.includes('Length 0x808c (140, high bit set: a 2-byte SSLv2 header) at line 8, TCP payload +0'));
  assert.ok(text.includes('MessageType 0x01 (1, client_hello) at line 8, TCP payload +2'));
  assert.ok(text.includes('Version 0x0301 (TLS 1.0) at line 8, TCP payload +3'));
  assert.ok(text.includes('CipherSpec length 0x0063 (99: 33 specs of 3 bytes) at line 8, TCP payload +5'));
  assert.ok(text.includes('Challenge length 0x0020 (32) at line 8, TCP payload +9'));
  // The ServerHello record starts the 1:1419 segment shown with hex at line 27 (the article's 0x0030+4).
  assert.ok(text.includes('ContentType 0x16 (22, handshake) at line 27, TCP payload +0'));
  assert.ok(text.includes('Length 0x004a (74) at line 27, TCP payload +3'));
  assert.ok(text.includes('HandshakeType 0x02 (2, server_hello) at line 27, TCP payload +5'));
  assert.ok(text.includes('CipherSuite 0x0035 (TLS_RSA_WITH_AES_256_CBC_SHA) at line 27, TCP payload +76'));
  // ServerHelloDone: stream offset 79 + 1630 = 1709, in the 1419:1719 segment at line 23 (its offset 1418).
  assert.ok(text.includes('HandshakeType 0x0e (14, server_hello_done) at line 23, TCP payload +296'));
  // After the capture gap in the server's direction, positions are said to be unknown.
  assert.ok(text.includes('Length 0x01b0 (432) at an unknown place'));
});

testIf(fixtures.length > 0, 'test/fixtures absent: explain positions')(
  'text --explain: every position given on the recorded captures holds the byte it names (checked against the pcap frames)',
  () => {
    let checked = 0;
    for (const name of fixtures) {
      const file = join(FIXTURES, name);
      const payloads = framePayloads(file);
      const events = decodeAll(
        readFileSync(file),
        defaultOptions({ events: new Set<EventType>(['packet', 'flow', 'tls.record', 'tls.handshake', 'anomaly']) }),
      );
      const pos = new Positions();
      const last: Record<string, ReturnType<Positions['record']>> = {};
      for (const ev of events) {
        pos.observe(ev);
        const dir = ev.dir === 's2c' ? 's2c' : 'c2s';
        const byte = (off: number | undefined): number | undefined => {
          const p = pos.locate(ev.flow as number, dir, off);
          return p?.frame !== undefined ? payloads[p.frame]?.[p.offset] : undefined;
        };
        if (ev.type === 'tls.record') {
          const span = pos.record(ev);
          last[`${String(ev.flow)}${dir}`] = span;
          if (!span || ev.content === 'sslv2') continue;
          assert.is(byte(span.start), ev.content_id, `${name} ${String(ev.frame)} content type`);
          assert.is(byte(span.start + 1), (ev.version_id as number) >> 8, `${name} version`);
          assert.is(byte(span.start + 3), (ev.length as number) >> 8, `${name} length hi`);
          assert.is(byte(span.start + 4), (ev.length as number) & 0xff, `${name} length lo`);
          checked++;
        } else if (ev.type === 'tls.handshake') {
          const rel = pos.message(ev, last[`${String(ev.flow)}${dir}`]);
          if (!rel) continue;
          assert.is(byte(rel(0)), ev.msg_id, `${name} ${String(ev.frame)} ${String(ev.msg)} type`);
          const len = ev.length as number;
          assert.is(byte(rel(3)), len & 0xff, `${name} ${String(ev.msg)} length`);
          if (ev.msg === 'server_hello' && typeof ev.cipher_id === 'number') {
            const sid = (ev.session_id as string).length / 2;
            assert.is(byte(rel(4 + 2 + 32 + 1 + sid)), ev.cipher_id >> 8, `${name} cipher hi`);
            assert.is(byte(rel(4 + 2 + 32 + 1 + sid + 1)), ev.cipher_id & 0xff, `${name} cipher lo`);
          }
          checked++;
        }
      }
    }
    assert.ok(checked > 500, `${checked} positions checked`);
  },
);

testIf(canText && fixtures.length > 0, 'tcpdump or test/fixtures absent: text blocks on recorded captures')(
  'text: every recorded capture gives one block per connection, each with its verdict and diagnosis codes, in close order',
  () => {
    for (const name of fixtures) {
      const { text, events } = textOf(tcpdumpText(join(FIXTURES, name), ['-nn', '-XX']));
      const sessions = events.filter((e) => e.type === 'tls.session');
      assert.ok(sessions.length > 0, name);
      const blocks = text.split(/\n(?=flow \d+ )/).filter((b) => b.startsWith('flow '));
      const tlsBlocks = blocks.filter((b) => b.includes('  verdict  '));
      assert.is(tlsBlocks.length, sessions.length, name);
      sessions.forEach((s, i) => {
        const b = tlsBlocks[i]!;
        assert.ok(b.startsWith(`flow ${String(s.flow)}  ${String(s.client)} → ${String(s.server)}`), `${name}: block ${i} is flow ${String(s.flow)}`);
        assert.ok(b.includes(s.established === true ? 'established ·' : 'NOT established ·'), name);
        for (const d of s.diagnoses as { code: string }[]) assert.ok(b.includes(`${d.code}: `), `${name}: ${d.code}`);
      });
    }
  },
);

testIf(canText && existsSync(join(FIXTURES, 'mtls12-ok.pcap')), 'tcpdump or test/fixtures absent: hostile names')(
  'text: a server name and certificate subject holding ESC, BEL, newline and a bidi override reach the terminal escaped, colour or not; NDJSON has no raw C0 either',
  () => {
    const pcap = hostileCapture(join(FIXTURES, 'mtls12-ok.pcap'));
    const input = tcpdumpText(pcap, ['-nn', '-XX']);
    for (const color of [false, true]) {
      const { text, events } = textOf(input, {
        color,
        explain: true,
        show: ['packet', 'flow', 'tls.record', 'tls.handshake', 'tls.alert', 'tls.session', 'anomaly'],
      });
      const hello = events.find((e) => e.msg === 'client_hello')!;
      assert.ok(
        typeof hello.sni === 'string' && hello.sni.includes('\u001b') && hello.sni.includes('\u0007') && hello.sni.includes('\n'),
        'the SNI really holds the bytes',
      );
      const plain = text.replace(SGR, '');
      assert.ok(!RAW_CONTROL.test(plain), `raw control character in:\n${JSON.stringify(plain.match(RAW_CONTROL))}`);
      assert.ok(plain.includes('SNI \\x1b]0;\\x07\\x0a\\u{202e}\\x1bc'), 'SNI shown escaped');
      assert.ok(plain.includes('[0] CN=\\1B]0\\;\\07\\0A\\u{202e}\\1Bc,O=tlsdump test'), 'subject shown escaped');
      assert.ok(plain.includes('hostname_mismatch'), 'the verdict is still there');
      if (color) assert.ok(text.includes('\u001b[1m'), 'colour on');
    }
    const events = decodeAll(input, defaultOptions({ events: new Set<EventType>(['tls.handshake', 'tls.session']) }));
    const ndjson = events.map((e) => JSON.stringify(e)).join('\n');
    assert.ok(!/[\u0000-\u001f]/.test(ndjson.replace(/\n/g, '')), 'NDJSON: JSON escapes C0');
    assert.ok(ndjson.includes('\\u001b]0;\\u0007\\n'), 'NDJSON keeps the value, escaped');
  },
);

test('text: a block holds at most the per-connection event limit and says how many more there were', () => {
  const { text, events } = textOf(readFileSync(SEED), { max: 4, explain: true });
  const flowEvents = events.filter((e) => e.flow === 0 && ['tls.record', 'tls.handshake', 'tls.alert', 'anomaly'].includes(e.type)).length;
  assert.ok(text.includes(`… ${flowEvents - 4} more events not shown: over the limit of 4 events held per connection`), text);
  assert.match(text, /verdict {2}established/);
});

test('text: --events chooses what a block shows; the verdict and header stay; application data runs are one line', () => {
  const summary = textOf(readFileSync(SEED), { show: ['tls.session'] }).text;
  assert.ok(!summary.includes('record '), 'no records');
  assert.ok(!summary.includes('client_hello'), 'no messages');
  assert.match(summary, /^flow 0 /m);
  assert.match(summary, /verdict/);
  const withPackets = textOf(readFileSync(SEED), { show: ['packet', 'tls.session'] }).text;
  assert.match(withPackets, /line 8 {2}C→S {2}packet P\. seq 2327361745:2327361887 \(142 bytes\)/);
  assert.match(withPackets, /^flow 0 .*\n +line 1 {2}C→S {2}packet S seq 2327361744 \(0 bytes\)/m, 'the SYN is in the block it opened');
  assert.ok(!withPackets.includes('0 bytes, 0 captured'));
  const runs = textOf(readFileSync(SEED)).text;
  assert.ok(runs.includes('line 170  C→S  application_data ×4, 144 bytes'), runs);
  assert.ok(runs.includes('record application_data TLS 1.0, 432 bytes (truncated: 23 bytes captured)'), 'a truncated record keeps its own line');
});

test('text: a connection with no TLS gets a short block, and input-level anomalies print on their own line', () => {
  const syn =
    'IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 100, length 0\n' +
    'IP 10.0.0.2.80 > 10.0.0.1.40000: Flags [R.], seq 0, ack 2, win 0, length 0\n' +
    'some prose pasted in\n';
  const { text } = textOf(syn, { show: ['flow', 'anomaly', 'tls.session'] });
  assert.match(text, /flow 0 {2}10\.0\.0\.1:40000 → 10\.0\.0\.2:80/);
  assert.match(text, /no TLS seen on this connection/);
  assert.match(text, /anomaly input\./);
});

test.run();
