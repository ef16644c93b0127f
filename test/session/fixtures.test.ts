// The verdicts on the project's own recorded captures (test/fixtures/manifest.json): every fact an observer
// without keys can know (`visible`) holds in each tls.session, the expected diagnosis codes appear, and no
// other error-severity code does. TLSDUMP_CAPTURES=DIR runs the same checks on a --holdout recording.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import type { Event } from '../../lib/events.js';
import { FIXTURES, haveTool, testIf, tcpdumpText } from '../support/shared.js';

interface Visible {
  flow: number;
  client: string;
  server: string;
  version: string | null;
  cipher: string | null;
  sni: string | null;
  established: boolean;
  resumed: boolean;
  client_cert_requested: boolean | null;
  client_cert_sent: boolean | null;
  client_certs: number;
  server_certs: number;
  alerts: { dir: string; level?: string; description?: string }[];
}

interface Capture {
  scenario: string;
  files: { pcap: string };
  codes: string[];
  codes_also_right: string[];
  visible: Visible[];
}

const dir = process.env.TLSDUMP_CAPTURES ?? FIXTURES;
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { captures: Record<string, Capture> };
const options = defaultOptions({ events: new Set(['tls.session', 'anomaly']) });

function sessions(pcap: string, flags: string[]): Event[] {
  return decodeAll(tcpdumpText(join(dir, pcap), flags), options).filter((e) => e.type === 'tls.session');
}

const VARIANTS = [
  ['-nn', '-XX'],
  ['-nn', '-x'],
  ['-nn', '-tt', '-vv', '-X'],
];

for (const [name, cap] of Object.entries(manifest.captures)) {
  testIf(haveTool('tcpdump'), 'tcpdump is not installed: the recorded captures cannot be turned into text')(
    `verdicts: ${name} gives the visible facts and diagnoses (${cap.codes.join(', ') || 'no required codes'})`,
    () => {
      for (const flags of VARIANTS) {
        const got = sessions(cap.files.pcap, flags);
        const what = `${name} ${flags.join(' ')}`;
        assert.is(got.length, cap.visible.length, `${what}: one tls.session per connection`);
        const codes = new Set<string>();
        for (const v of cap.visible) {
          const s = got.find((e) => e.flow === v.flow);
          assert.ok(s, `${what}: a session for flow ${v.flow}`);
          const at = `${what} flow ${v.flow}`;
          for (const k of [
            'client',
            'server',
            'version',
            'cipher',
            'sni',
            'established',
            'resumed',
            'client_cert_requested',
            'client_cert_sent',
          ] as const) {
            assert.equal(s[k], v[k], `${at}: ${k} (diagnoses: ${JSON.stringify(s.diagnoses)})`);
          }
          assert.is((s.server_certs as unknown[]).length, v.server_certs, `${at}: server_certs`);
          assert.is((s.client_certs as unknown[]).length, v.client_certs, `${at}: client_certs`);
          // Alerts as a set: plaintext ones with level and description, encrypted ones by direction; TLS 1.3
          // alerts inferred from record sizes are not facts and are left out.
          const key = (a: { dir: string; level?: string; description?: string; encrypted?: boolean }) =>
            a.encrypted ? `${a.dir} encrypted` : `${a.dir} ${a.level} ${a.description}`;
          const alerts = (s.alerts as { dir: string; inferred?: boolean }[])
            .filter((a) => !a.inferred)
            .map(key)
            .sort();
          assert.equal(alerts, v.alerts.map(key).sort(), `${at}: alerts`);
          for (const d of s.diagnoses as { code: string; severity: string }[]) {
            codes.add(d.code);
            if (d.severity === 'error') {
              assert.ok(
                cap.codes.includes(d.code) || cap.codes_also_right.includes(d.code),
                `${at}: unexpected error ${d.code}: ${JSON.stringify(d)}`,
              );
            }
          }
        }
        for (const c of cap.codes) assert.ok(codes.has(c), `${what}: expected diagnosis ${c}; got ${[...codes].join(', ')}`);
      }
    },
  );
}

test.run();
