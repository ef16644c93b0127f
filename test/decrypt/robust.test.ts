// Decryption on damaged input: captures with random bytes changed, cut short or fed in small chunks, with their
// key logs. Nothing throws, nothing that failed authentication is shown, and chunking changes nothing.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { createDecoder, decodeAll } from '../../lib/pipeline.js';
import { FIXTURES } from '../support/shared.js';
import { rng } from '../support/rng.js';

const DECRYPT = join(FIXTURES, 'decrypt');
const NAMES = ['mtls13-ok', 'tls13-keyupdate', 'tls12-cbc-noetm', 'tls12-ccm8', 'tls10-cbc'];
const opts = (name: string) => defaultOptions({ events: new Set(EVENT_TYPES), keylog: [join(DECRYPT, `${name}.keylog`)], dataPreview: 16 });

test('decrypt robustness: random byte changes in TCP payloads never throw, and damaged records are never shown as decrypted content', () => {
  const rand = rng(1313);
  for (const name of NAMES) {
    const clean = readFileSync(join(DECRYPT, `${name}.pcap`));
    const good = decodeAll(clean, opts(name)).filter((e) => e.decrypted === true).length;
    for (let round = 0; round < 12; round++) {
      const bytes = Buffer.from(clean);
      // Past the pcap header and the first frames' headers: change bytes of the later payloads.
      for (let k = 0; k < 3; k++) bytes[600 + Math.floor(rand() * (bytes.length - 600))]! ^= 1 + Math.floor(rand() * 255);
      let evs: Event[] = [];
      assert.not.throws(() => (evs = decodeAll(bytes, opts(name))), `${name} round ${round}`);
      const decrypted = evs.filter((e) => e.decrypted === true).length;
      assert.ok(decrypted <= good + 2, `${name} round ${round}: ${decrypted} decrypted events, ${good} without damage`);
    }
  }
});

test('decrypt robustness: the same events whatever the chunk size', () => {
  for (const name of ['mtls13-nocert', 'tls12-chacha20']) {
    const bytes = readFileSync(join(DECRYPT, `${name}.pcap`));
    const whole = JSON.stringify(decodeAll(bytes, opts(name)));
    for (const size of [1, 7, 100, 1500]) {
      const evs: Event[] = [];
      const d = createDecoder(opts(name), (e) => evs.push(e));
      for (let i = 0; i < bytes.length; i += size) d.push(bytes.subarray(i, i + size));
      d.end();
      assert.is(JSON.stringify(evs), whole, `${name} in chunks of ${size}`);
    }
  }
});

test('decrypt robustness: a capture cut anywhere decodes without throwing', () => {
  const bytes = readFileSync(join(DECRYPT, 'mtls13-wrongca.pcap'));
  for (let cut = 100; cut < bytes.length; cut += 211) {
    assert.not.throws(() => decodeAll(bytes.subarray(0, cut), opts('mtls13-wrongca')), `cut at ${cut}`);
  }
});

test.run();
