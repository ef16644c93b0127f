// The whole pipeline (tcpdump text → packets → flows → TLS events) against tshark, per flow: records, handshake
// types, offered and chosen ciphers, SNI, certificate SHA-256s and alerts equal <capture>.tshark.json in -X,
// -XX, -x and -vv -xx text. On the project's recordings, and with TLSDUMP_CAPTURES=DIR on a --holdout
// recording never seen before (scripts/record/record.sh).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, type FlowItem } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { FIXTURES, haveTool, tcpdumpText, testIf } from '../support/shared.js';
import { factsFromEvents, type FlowFacts } from './facts.js';

const VARIANTS = [['-X'], ['-XX'], ['-x'], ['-vv', '-xx']];
const FACTS: (keyof FlowFacts)[] = ['records', 'handshakes', 'ciphers_offered', 'cipher', 'sni', 'certs', 'alerts'];
/** tshark with default settings does not reassemble out-of-order segments: its view of these is not the truth. */
const TSHARK_BLIND = new Set(['netem-loss.pcap', 'netem-reorder.pcap']);
const options = defaultOptions({ events: new Set(EVENT_TYPES) });

function captures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pcap') && !TSHARK_BLIND.has(f) && existsSync(join(dir, f.replace(/\.pcap$/, '.tshark.json'))))
    .map((f) => join(dir, f));
}

const list = [...captures(FIXTURES), ...(process.env.TLSDUMP_CAPTURES ? captures(process.env.TLSDUMP_CAPTURES) : [])];

for (const pcap of list) {
  testIf(haveTool('tcpdump'), 'tcpdump is not installed: the pipeline is not compared with tshark on recorded captures')(
    `pipeline: ${pcap.split('/').slice(-2).join('/')} gives tshark's per-flow TLS facts in ${VARIANTS.map((v) => v.join(' ')).join(', ')} text`,
    () => {
      const want = JSON.parse(readFileSync(pcap.replace(/\.pcap$/, '.tshark.json'), 'utf8')).flows as Record<string, FlowFacts>;
      for (const v of VARIANTS) {
        const events = decodeAll(tcpdumpText(pcap, ['-nn', ...v]), options);
        const opens = events
          .filter((e) => e.type === 'flow' && e.event === 'open')
          .map((e) => ({ kind: 'open', flow: e.flow, client: e.client, server: e.server }) as FlowItem);
        const facts = factsFromEvents(opens, events);
        assert.is(facts.size, Object.keys(want).length, `${pcap} ${v.join(' ')}: flows`);
        for (const [key, w] of Object.entries(want)) {
          const g = facts.get(key);
          assert.ok(g, `${pcap} ${v.join(' ')}: flow ${key}`);
          for (const f of FACTS) assert.equal(g![f], w[f], `${pcap} ${v.join(' ')} ${key}: ${f}`);
        }
      }
    },
  );
}

test.run();
