// The `packet` line written straight from a Packet (lib/output/packetbytes.ts) is the line of its event:
// `JSON.stringify(packetEvent(p)) + '\n'`, for every packet of the project's captures and texts and of ../shared,
// and for packets with every optional field set, unset and odd.

import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packetEvent, type Packet } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { JsonBytes } from '../../lib/output/jsonbytes.js';
import { packetLine } from '../../lib/output/packetbytes.js';
import { createDecoder } from '../../lib/pipeline.js';
import { files } from '../support/streams.js';
import { CAPTURES, FIXTURES, haveShared, testIf } from '../support/shared.js';

const isInput = (f: string): boolean => /\.(pcap|pcapng|cap|txt)$/.test(f);

/** Whether packetLine's bytes equal the event's JSON line; the first difference fails the test. */
function same(p: Packet, where: string): void {
  const w = new JsonBytes(16);
  packetLine(w, p);
  const got = w.buf.toString('utf8', 0, w.pos);
  const want = `${JSON.stringify(packetEvent(p))}\n`;
  if (got !== want) assert.unreachable(`${where}: packetLine wrote\n${got}but the event is\n${want}`);
}

/** Checks every packet of the inputs; returns how many. */
function checkAll(inputs: readonly string[]): number {
  let n = 0;
  for (const f of inputs) {
    const d = createDecoder(defaultOptions({ events: new Set(['packet']) }), () => {}, undefined, undefined, {
      item: () => false,
      event: () => false,
      packet(p) {
        same(p, `${f}, packet ${n}`);
        n++;
        return true;
      },
      secrets() {},
    });
    d.push(readFileSync(f));
    d.end();
  }
  return n;
}

test('packetbytes: every packet of the fixtures is written as its event', () => {
  const inputs = files(FIXTURES, isInput);
  const n = checkAll(inputs);
  assert.ok(inputs.length >= 60 && n > 3000, `${inputs.length} inputs, ${n} packets`);
});

testIf(haveShared, '../shared/captures absent')('packetbytes: every packet of ../shared/captures is written as its event', () => {
  const inputs = files(CAPTURES, isInput);
  const n = checkAll(inputs);
  assert.ok(inputs.length >= 100 && n > 4000, `${inputs.length} inputs, ${n} packets`);
});

test('packetbytes: optional fields set and unset, UDP, odd strings and numbers', () => {
  const base: Packet = {
    src: '10.0.0.1',
    dst: '2001:db8::1',
    sport: 443,
    dport: 65535,
    proto: 'tcp',
    ipVersion: 4,
    seq: 4294967295,
    ack: 0,
    flags: 0x12,
    win: 1073725440,
    len: 1460,
    payload: new Uint8Array(3),
    truncated: false,
    seqRelative: false,
    fragment: false,
  } as Packet;
  const variants: Partial<Packet>[] = [
    {},
    { line: 7 },
    { frame: 123456789012 },
    { line: 1, frame: 2, ts: '2026-12-07T06:00:00.123456Z' },
    { ts: 'a "quoted" \\ \u0001 stamp \u00e9\u2028\ud83d\ude00' },
    { proto: 'udp' },
    { proto: 'udp', truncated: true, fragment: true },
    { truncated: true, seqRelative: true, fragment: true },
    { seqRelative: true },
    { flags: 0, win: 0, len: 0 },
    { flags: 0xff },
    { seq: 1.5, ack: -0, len: Number.NaN },
    { src: '', dst: '\ud800' },
  ];
  for (const v of variants) same({ ...base, ...v } as Packet, JSON.stringify(v));
});

test.run();
