// UDP from tcpdump text: the -x/-xx/-X/-XX text of the DTLS recordings gives the events their pcap gives (frame
// numbers, lines and times aside; the verdict's validity check runs against now without a date in the text).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { FIXTURES, haveTool, skipping, tcpdumpText } from '../support/shared.js';

const ALL = defaultOptions({ events: new Set(EVENT_TYPES) });
const shape = (evs: Event[]) => evs.filter((e) => e.type !== 'tls.session').map((e) => ({ ...e, line: undefined, frame: undefined, ts: undefined }));

for (const name of ['dtls12-mtls-ok.pcap', 'dtls12-v6.pcap', 'dtls12-frag.pcap']) {
  const f = join(FIXTURES, 'dtls', name);
  if (!haveTool('tcpdump')) {
    test.skip(`text: ${name}`, () => {});
    skipping('tcpdump not installed: UDP text tests');
    continue;
  }
  test(`text: tcpdump -x/-xx/-X/-XX of ${name} give the pcap's events`, () => {
    const want = decodeAll(readFileSync(f), ALL);
    assert.ok(want.some((e) => e.type === 'tls.handshake' && e.protocol === 'dtls'));
    for (const flags of [['-x'], ['-xx'], ['-X'], ['-XX', '-tt']]) {
      const got = decodeAll(tcpdumpText(f, ['-nn', ...flags]), ALL);
      assert.equal(shape(got), shape(want), flags.join(' '));
      assert.is(got.filter((e) => e.type === 'tls.session').length, 1);
    }
  });
}

test.run();
