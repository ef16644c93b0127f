// Every event of the UDP side (flows, DTLS records, QUIC packets, handshakes, sessions, anomalies) validates
// against docs/events.schema.json: on the project's DTLS recordings and on built QUIC datagrams.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { FIXTURES, ROOT, captureFiles } from '../support/shared.js';
import { cryptoFrame, initial, opaqueLong, versionNegotiation } from '../quic/build.js';
import { CLIENT_HELLO, DCID, SERVER_HELLO } from '../quic/rfc9001.js';
import { udpPcap } from './build.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'events.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const ALL = defaultOptions({ events: new Set(EVENT_TYPES) });

function check(events: Event[]): void {
  assert.ok(events.some((e) => e.protocol !== undefined));
  for (const ev of events) {
    if (!validate(ev)) assert.unreachable(`${JSON.stringify(ev).slice(0, 300)}: ${JSON.stringify(validate.errors).slice(0, 500)}`);
  }
}

test('schema: the events of the DTLS recordings validate', () => {
  for (const f of captureFiles(join(FIXTURES, 'dtls'))) check(decodeAll(readFileSync(f), ALL));
});

test('schema: the events of QUIC Initials, a coalesced Handshake, Version Negotiation and damage validate', () => {
  const scid = Buffer.from('0a0b0c0d', 'hex');
  const ch = initial({ keyDcid: DCID, dcid: DCID, scid, pn: 0, frames: cryptoFrame(0, CLIENT_HELLO), from: 'client', padTo: 1162 });
  const sh = initial({ keyDcid: DCID, dcid: scid, scid: DCID, pn: 0, frames: cryptoFrame(0, SERVER_HELLO), from: 'server' });
  const c = { src: '192.0.2.1', sport: 50000, dst: '192.0.2.2', dport: 443 };
  const s = { src: '192.0.2.2', sport: 443, dst: '192.0.2.1', dport: 50000 };
  check(
    decodeAll(
      udpPcap([
        { ...c, payload: ch },
        { ...s, payload: Buffer.concat([sh, opaqueLong(2, scid, DCID, 100)]) },
        { ...s, payload: versionNegotiation(scid, DCID, [1]) },
        { ...c, payload: ch.subarray(0, 60) },
      ]),
      ALL,
    ),
  );
});

test.run();
