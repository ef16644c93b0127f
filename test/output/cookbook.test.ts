// The README cookbook, run as written (with `tlsdump` as a shell function for bin/tlsdump.js) on the recorded
// captures: each recipe must give what it promises.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, haveTool, ROOT, testIf } from '../support/shared.js';
import { RECIPES } from './recipes.js';

const CAPTURE = 'test/fixtures/*.pcap';
const ready = existsSync(join(FIXTURES, 'manifest.json')) && haveTool('jq');
const work = mkdtempSync(join(tmpdir(), 'tlsdump-cookbook-'));

function sh(recipe: string): string {
  const script = `tlsdump() { node "${join(ROOT, 'bin', 'tlsdump.js')}" "$@"; }\ncd "${ROOT}" && ${recipe.replace(/CAPTURE/g, CAPTURE).replace(/events\.ndjson/g, join(work, 'events.ndjson'))}`;
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.is(r.status, 0, `${recipe}\n${r.stderr}`);
  assert.is(r.stderr, '', recipe);
  return r.stdout;
}

const nonEmpty = (s: string): string[] => s.split('\n').filter((l) => l !== '');

function sessions(): Record<string, unknown>[] {
  return nonEmpty(sh('tlsdump --summary CAPTURE')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

testIf(ready, 'jq or test/fixtures absent: cookbook')('cookbook: which connections failed and why', () => {
  const out = nonEmpty(sh(RECIPES.failed));
  assert.is(out.length, sessions().filter((s) => s.established === false).length);
  assert.ok(
    out.some((l) => /:4442 server\.test: client_cert_not_sent, handshake_alert$/.test(l)),
    out.join('\n'),
  );
  assert.ok(out.some((l) => /:4453 server\.test: .*no_shared_cipher/.test(l)));
  assert.ok(out.some((l) => /:4452 server\.test: .*protocol_version_mismatch/.test(l)));
});

testIf(ready, 'jq or test/fixtures absent: cookbook')('cookbook: who never sent a client certificate when asked', () => {
  assert.is(sh(RECIPES.noClientCert), '10.99.0.1\n');
});

testIf(ready, 'jq or test/fixtures absent: cookbook')('cookbook: which servers send incomplete chains', () => {
  const out = nonEmpty(sh(RECIPES.incompleteChain));
  assert.equal(out, ['10.99.0.2:4447 server.test', '10.99.0.2:4448 server.test']);
});

testIf(ready, 'jq or test/fixtures absent: cookbook')('cookbook: certificates expired or expiring within 30 days', () => {
  const out = nonEmpty(sh(RECIPES.expiring));
  assert.ok(out.includes('2021-01-01T00:00:00Z  CN=server.test,O=tlsdump test'), out.join('\n'));
  for (const l of out) assert.ok(Date.parse(l.slice(0, 20)) < Date.now() + 30 * 86400e3, l);
});

testIf(ready, 'jq or test/fixtures absent: cookbook')('cookbook: JA3 counts add up to the connections', () => {
  const out = nonEmpty(sh(RECIPES.ja3));
  const total = out.reduce((n, l) => n + Number(l.trim().split(/\s+/)[0]), 0);
  assert.is(total, sessions().length);
  assert.match(out[0]!, /^\s+\d+ [0-9a-f]{32}$/);
});

testIf(ready, 'jq or test/fixtures absent: cookbook')('cookbook: the Elasticsearch bulk body pairs a create action with each ECS document', () => {
  const out = nonEmpty(sh(RECIPES.bulk));
  assert.is(out.length, 2 * sessions().length);
  out.forEach((l, i) => {
    const v = JSON.parse(l) as Record<string, unknown>;
    if (i % 2 === 0) assert.equal(v, { create: {} });
    else assert.ok(typeof v['@timestamp'] === 'string' && (v.ecs as { version: string }).version === '9.4.0');
  });
});

testIf(ready, 'jq or test/fixtures absent: cookbook')('cookbook: the report prints a row per connection', () => {
  const out = nonEmpty(sh(RECIPES.report));
  const all = sessions();
  const n = all.length;
  assert.is(out.filter((l) => /^\d+ +\S+:\d+ +\S+:\d+ /.test(l)).length, n);
  const established = all.filter((s) => s.established === true).length;
  const failed = all.filter((s) => s.established !== true && (s.diagnoses as { severity: string }[]).some((d) => d.severity === 'error')).length;
  assert.ok(
    out.includes(`${n} connections: ${established} established, ${failed} failed, ${n - established - failed} other`),
    out.slice(-2).join('\n'),
  );
});

test.run();
