import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { Ladders, LADDER_NEEDS, messageTitle, type Ladder } from '../../lib/output/ladder.js';
import { FIXTURES } from '../support/shared.js';

// The ladder behind --format mermaid and report --html, against tshark's view of the recorded captures
// (test/fixtures/NAME.tshark.json: handshake types and plaintext alerts per flow and direction).

const HANDSHAKE_TYPES: Record<number, string> = {
  1: 'client_hello',
  2: 'server_hello',
  4: 'new_session_ticket',
  8: 'encrypted_extensions',
  11: 'certificate',
  12: 'server_key_exchange',
  13: 'certificate_request',
  14: 'server_hello_done',
  15: 'certificate_verify',
  16: 'client_key_exchange',
  20: 'finished',
};

interface TsharkFlow {
  handshakes: { c2s: number[]; s2c: number[] };
  alerts: { c2s: number[]; s2c: number[] };
}

function laddersOf(file: string): Ladder[] {
  const out: Ladder[] = [];
  const l = new Ladders((x) => out.push(x));
  for (const ev of decodeAll(readFileSync(file), defaultOptions({ events: new Set(LADDER_NEEDS) }))) l.push(ev);
  l.end();
  return out;
}

const captures = existsSync(FIXTURES)
  ? readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap') && existsSync(join(FIXTURES, f.replace('.pcap', '.tshark.json'))))
  : [];

test('ladders: the handshake messages and plaintext alerts of every recorded connection, per direction, as tshark sees them', () => {
  let flows = 0;
  for (const f of captures) {
    // tshark's default view (no out-of-order reassembly) loses messages of the netem captures: not an oracle there.
    if (f.startsWith('netem-')) continue;
    const facts = JSON.parse(readFileSync(join(FIXTURES, f.replace('.pcap', '.tshark.json')), 'utf8')) as { flows: Record<string, TsharkFlow> };
    const ladders = laddersOf(join(FIXTURES, f));
    assert.is(ladders.length, Object.keys(facts.flows).length, f);
    for (const lad of ladders) {
      const t = facts.flows[`${lad.client}>${lad.server}`];
      assert.ok(t, `${f}: flow ${lad.client}>${lad.server} unknown to tshark`);
      for (const dir of ['c2s', 's2c'] as const) {
        const mine = lad.steps.filter((s) => s.kind === 'message' && s.dir === dir).map((s) => s.title);
        assert.equal(
          mine,
          t!.handshakes[dir].map((n) => messageTitle(HANDSHAKE_TYPES[n] ?? `type${n}`)),
          `${f} ${dir}`,
        );
        const alerts = lad.steps
          .filter((s) => s.kind === 'alert' && s.dir === dir && !/encrypted/.test(s.title))
          .map((s) => Number(/description (\d+)/.exec(s.facts[0] ?? '')?.[1]));
        assert.equal(alerts, t!.alerts[dir], `${f} ${dir} alerts`);
      }
      flows++;
    }
  }
  assert.ok(flows >= 30, `${flows} flows compared`);
});

test('ladders: a TLS 1.3 encrypted flight is one step with its record sizes, not one arrow per record', () => {
  const [l] = laddersOf(join(FIXTURES, 'mtls13-ok.pcap'));
  const flight = l!.steps.find((s) => s.title === 'encrypted server handshake');
  assert.ok(flight);
  assert.is(flight!.sizes!.length > 1, true);
  assert.is(l!.steps.filter((s) => s.title === 'encrypted server handshake').length, 1);
});

test.run();
