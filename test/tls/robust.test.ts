// Decoders against damaged input: no strict prefix of a valid message decodes as complete, random bytes never
// throw, and any chunking of a real capture gives the same events.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import type { Event, FlowItem } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { TlsDecoder } from '../../lib/tls/index.js';
import { decodeMessage, type HsContext } from '../../lib/tls/handshake.js';
import { CAPTURES, haveShared, haveTool, testIf } from '../support/shared.js';
import { tsharkFlowItems } from '../support/tshark-streams.js';
import { clientHello, ext, message, selectedVersion, serverHello, sni, supportedVersions, u16, vec16, vec24, vec8 } from './build.js';
import { rng } from '../support/rng.js';

function run(items: FlowItem[]): Event[] {
  const out: Event[] = [];
  const d = new TlsDecoder(defaultOptions(), (e) => out.push(e));
  for (const it of items) d.push(it);
  d.end();
  return out;
}

const ctx12: HsContext = { version: 0x0303, cipher: 0xc02f, maxCerts: 16 };
const ctx13: HsContext = { version: 0x0304, cipher: 0x1301, maxCerts: 16 };

/** Valid messages of most types: [type, body, context, offsets where a prefix is itself a valid message]. */
const MESSAGES: [string, number[], HsContext, number[]][] = [
  [
    'client_hello',
    clientHello({
      exts: [sni('x.example'), supportedVersions([0x0304]), ext(10, vec16(u16(29))), ext(51, vec16([...u16(29), ...vec16(new Array(32).fill(1))]))],
    }),
    ctx12,
    [43],
  ],
  ['server_hello', serverHello({ exts: [selectedVersion(0x0304), ext(51, [...u16(29), ...vec16(new Array(32).fill(2))])] }), ctx12, [38]],
  ['certificate', message(11, vec24([...vec24([0x30, 0x00]), ...vec24([0x30, 0x00])])), ctx12, []],
  ['certificate 1.3', message(11, [...vec8([]), ...vec24([...vec24([0x30, 0x00]), ...vec16([])])]), ctx13, []],
  ['server_key_exchange', message(12, [3, ...u16(23), ...vec8(new Array(65).fill(4)), ...u16(0x0401), ...vec16(new Array(64).fill(5))]), ctx12, []],
  ['certificate_request', message(13, [...vec8([1, 64]), ...vec16([4, 1, 8, 4]), ...vec16([...vec16([0x30, 0x00])])]), ctx12, []],
  ['client_key_exchange', message(16, vec8(new Array(65).fill(4))), ctx12, []],
  ['certificate_verify', message(15, [...u16(0x0804), ...vec16(new Array(64).fill(6))]), ctx12, []],
  ['new_session_ticket', message(4, [0, 0, 1, 0, ...vec16(new Array(40).fill(7))]), ctx12, []],
  ['new_session_ticket 1.3', message(4, [0, 0, 1, 0, 1, 2, 3, 4, ...vec8([1]), ...vec16(new Array(40).fill(7)), ...vec16([])]), ctx13, []],
  ['certificate_status', message(22, [1, ...vec24(new Array(30).fill(8))]), ctx12, []],
  ['encrypted_extensions', message(8, vec16([...ext(16, vec16(vec8([0x68, 0x32])))])), ctx13, []],
  ['key_update', message(24, [1]), ctx13, []],
];

test('prefixes: no strict prefix of a valid message decodes as complete', () => {
  for (const [name, msg, ctx, allowed] of MESSAGES) {
    const type = msg[0]!;
    const body = Uint8Array.from(msg.slice(4));
    const whole = decodeMessage(type, body, body.length, ctx);
    assert.ok(whole.complete, `${name}: the whole message is complete`);
    for (let n = 0; n < body.length; n++) {
      const cut = decodeMessage(type, body.subarray(0, n), body.length, ctx);
      assert.not.ok(cut.complete, `${name}: ${n} of ${body.length} bytes, declared whole`);
      // Taken as a message of n bytes, it must not fit either (hellos may end before their optional extensions).
      const short = decodeMessage(type, body.subarray(0, n), n, ctx);
      if (!allowed.includes(n)) assert.not.ok(short.complete, `${name}: ${n}-byte prefix taken as a whole message`);
    }
  }
});

test('random: random bytes in random chunks, with gaps, never throw', () => {
  const r = rng(0x7e57);
  for (let round = 0; round < 300; round++) {
    const items: FlowItem[] = [{ kind: 'open', flow: 0, client: 'a:1', server: 'b:2' }];
    const chunks = 1 + Math.floor(r() * 12);
    for (let i = 0; i < chunks; i++) {
      const len = Math.floor(r() * 600);
      const bytes = new Uint8Array(len);
      for (let k = 0; k < len; k++) bytes[k] = r() < 0.3 ? [0x16, 0x03, 0x01, 0x00, 0x80, 0x14, 0x15][Math.floor(r() * 7)]! : Math.floor(r() * 256);
      items.push({ kind: 'data', flow: 0, dir: r() < 0.5 ? 'c2s' : 's2c', bytes, afterGap: r() < 0.15 });
    }
    if (r() < 0.7) items.push({ kind: 'close', flow: 0, client: 'a:1', server: 'b:2', end: 'fin', bytes: { c2s: 0, s2c: 0 }, gaps: 0 });
    const evs = run(items);
    for (const e of evs) assert.type(e.type, 'string');
  }
});

test('random: every message with random bytes flipped never throws', () => {
  const r = rng(0xf11b);
  for (const [, msg, ctx] of MESSAGES) {
    for (let round = 0; round < 200; round++) {
      const body = Uint8Array.from(msg.slice(4));
      for (let k = 0; k < 3; k++) body[Math.floor(r() * body.length)] = Math.floor(r() * 256);
      const declared = r() < 0.5 ? body.length : Math.floor(r() * 2 * body.length);
      decodeMessage(msg[0]!, body.subarray(0, Math.min(declared, body.length)), declared, ctx);
    }
  }
});

testIf(haveShared && haveTool('tshark'), '../shared/captures or tshark absent: chunking test')(
  'chunking: a real capture fed in chunks of 1, 2, 3, 7, 100 bytes gives the same events',
  () => {
    for (const name of ['zeek/client-certificate.pcap', 'zeek/ssl.v3.pcap', 'suricata-verify/smtp-startssl.pcap']) {
      const items = tsharkFlowItems(join(CAPTURES, name));
      const strip = (evs: Event[]): string[] => evs.map(({ frame, line, ...rest }) => JSON.stringify(rest));
      const want = strip(run(items));
      for (const size of [1, 2, 3, 7, 100]) {
        const chunked: FlowItem[] = [];
        for (const it of items) {
          if (it.kind !== 'data') {
            chunked.push(it);
            continue;
          }
          for (let i = 0; i < it.bytes.length; i += size)
            chunked.push({ ...it, bytes: it.bytes.subarray(i, i + size), afterGap: it.afterGap && i === 0 });
        }
        assert.equal(strip(run(chunked)), want, `${name} in chunks of ${size}`);
      }
    }
  },
);

test.run();
