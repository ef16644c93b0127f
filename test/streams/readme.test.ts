// The README's library example runs as written: the ```js block under "## Library" is saved as a module inside
// this checkout (so that `from 'tlsdump'` resolves to it) and run on the -XX text of recorded captures of two
// servers, keeping one host. Its verdicts must be those of that host's connections in the whole decode.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAll } from '../../lib/index.js';
import { FIXTURES, ROOT, haveTool, tcpdumpText, testIf } from '../support/shared.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Library'));
const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

test('readme: the Library section has a composed pipeline with a filter', () => {
  assert.match(snippet, /pipeline\(/);
  assert.match(snippet, /streams\.sessions\(/);
  assert.match(snippet, /new Transform\(/);
});

testIf(haveTool('tcpdump'), 'tcpdump is not installed: the README library example is not run')(
  "readme: the library example keeps one host's connections, with their verdicts",
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlsdump-library-'));
    const input = Buffer.concat(
      ['mtls12-nocert', 'netem-loss', 'tls13', 'mtls12-wrongca'].map((s) => tcpdumpText(join(FIXTURES, `${s}.pcap`), ['-nn', '-tt', '-XX'])),
    );
    writeFileSync(join(dir, 'dump.txt'), input);
    const script = join(ROOT, 'dist', 'test', 'streams', 'readme-library.mjs');
    writeFileSync(script, snippet);
    const host = '10.99.0.2';
    const r = spawnSync(process.execPath, [script, join(dir, 'dump.txt'), host], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const got = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const want = decodeAll(input, { events: ['tls.session'] }).filter(
      (ev) => String(ev.server).startsWith(`${host}:`) || String(ev.client).startsWith(`${host}:`),
    );
    const all = decodeAll(input, { events: ['tls.session'] });
    assert.ok(want.length >= 3 && want.length < all.length, `${want.length} of ${all.length} sessions`);
    // Flow numbers count only the flows kept; everything else is the verdict of the whole decode.
    const noFlow = (ev: Record<string, unknown>) => ({ ...ev, flow: undefined });
    assert.equal(JSON.parse(JSON.stringify(got.map(noFlow))), JSON.parse(JSON.stringify(want.map(noFlow))));
  },
);

test.run();
