// A TLS 1.3 draft is TLS 1.3: the session stage decides on version ids (0x7fXX drafts, lib/registry isTls13Id), never
// on the display name, which for a draft reads "TLS 1.3 (draft 23)". Real recordings are turned into drafts by
// rewriting the ServerHello's supported_versions selection (0x0304 → 0x7f17) in the pcap bytes: every verdict
// fact but the version's name must stay what it was for TLS 1.3.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, type Event, type TlsSessionEvent } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { FIXTURES } from '../support/shared.js';

const options = defaultOptions({ events: new Set(EVENT_TYPES) });

/** supported_versions (43) with a 2-byte body selecting TLS 1.3: only a ServerHello (or HRR) has this form. */
const SELECTED_13 = Buffer.from('002b00020304', 'hex');

function asDraft(pcap: Buffer, draft: number): Buffer {
  const out = Buffer.from(pcap);
  const at = out.indexOf(SELECTED_13);
  assert.ok(at >= 0, 'the recording has a ServerHello selecting TLS 1.3');
  assert.is(out.indexOf(SELECTED_13, at + 1), -1, 'one ServerHello only');
  out.writeUInt16BE(draft, at + 4);
  return out;
}

const session = (events: Event[]): TlsSessionEvent => {
  const s = events.filter((e): e is TlsSessionEvent => e.type === 'tls.session');
  assert.is(s.length, 1);
  return s[0]!;
};

for (const name of ['tls13.pcap', 'mtls13-ok.pcap', 'mtls13-nocert.pcap']) {
  test(`draft 23: ${name} gets the TLS 1.3 verdict, only the version's name differs`, () => {
    const pcap = readFileSync(join(FIXTURES, name));
    const real = session(decodeAll(pcap, options));
    const events = decodeAll(asDraft(pcap, 0x7f17), options);
    const draft = session(events);
    const sh = events.find((e) => e.type === 'tls.handshake' && e.msg_id === 2 && e.dir === 's2c');
    assert.is(sh?.version_id, 0x7f17);
    assert.is(draft.version, 'TLS 1.3 (draft 23)');
    assert.is(real.version, 'TLS 1.3');
    // Under a TLS 1.2 reading the middlebox ChangeCipherSpec after the ServerHello would end the server's flight and
    // make client_cert_requested false; TLS 1.3 encrypts the CertificateRequest, so it is not visible (null).
    assert.is(draft.client_cert_requested, null);
    assert.is(draft.client_cert_sent, null);
    assert.ok(draft.diagnoses?.some((d) => d.code === 'client_cert_not_visible'));
    assert.equal({ ...draft, version: real.version }, real);
  });
}

test.run();
