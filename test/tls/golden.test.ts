// Golden NDJSON for whole inputs through the whole pipeline (tcpdump text → events), diffed line by line in the
// way Zeek's btest baselines are: the TLS events of each input must equal test/golden/<name>.tls.ndjson.
// UPDATE_GOLDEN=1 rewrites the files (review the diff before committing).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { CAPTURES, ROOT, haveShared, haveTool, testIf, tcpdumpText } from '../support/shared.js';

const GOLDEN = join(ROOT, 'test', 'golden');
const options = defaultOptions({ events: new Set(EVENT_TYPES) });

function tlsLines(input: Uint8Array): string[] {
  return decodeAll(input, options)
    .filter(
      (e) =>
        e.type === 'tls.record' ||
        e.type === 'tls.handshake' ||
        e.type === 'tls.alert' ||
        (e.type === 'anomaly' && String(e.code).startsWith('tls.')),
    )
    .map((e) => JSON.stringify(e));
}

function compare(name: string, input: Uint8Array): void {
  const file = join(GOLDEN, `${name}.tls.ndjson`);
  const got = tlsLines(input);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, got.join('\n') + '\n');
  }
  assert.ok(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`);
  const want = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  for (let i = 0; i < Math.max(got.length, want.length); i++) assert.is(got[i], want[i], `${name}.tls.ndjson line ${i + 1}`);
}

test("golden: the seed article's first trace (bundled) gives its recorded TLS events", () => {
  compare('seed-trace1', readFileSync(join(ROOT, 'data', 'seed-trace1.txt')));
});

const CAPS: [string, string, string[]][] = [
  ['client-certificate-XX', 'zeek/client-certificate.pcap', ['-nn', '-XX']],
  ['pop3-starttls-x', 'zeek/pop3-starttls.pcap', ['-nn', '-x']],
  ['tls13-ech-X-tt', 'zeek/tls13-ech.pcap', ['-nn', '-tt', '-X']],
];

for (const [name, pcap, flags] of CAPS) {
  testIf(haveShared && haveTool('tcpdump'), '../shared/captures or tcpdump absent: golden captures')(
    `golden: ${pcap} as tcpdump ${flags.join(' ')} gives its recorded TLS events`,
    () => {
      compare(name, tcpdumpText(join(CAPTURES, pcap), flags));
    },
  );
}

test.run();
