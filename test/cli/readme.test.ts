// The README's recipes run as written: every command line of the ```sh block under "## Recipes", with
// `tlsdump` being this checkout's bin and `dump.txt` a tcpdump text of several recorded captures. Each must
// exit 0 and print something.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, ROOT, haveTool, testIf, tcpdumpText } from '../support/shared.js';
import { RECIPES } from '../output/recipes.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Recipes'));
const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const recipes = block.split('\n').filter((l) => l.startsWith('tlsdump '));

const SCENARIOS = ['mtls12-nocert', 'mtls12-ok', 'mtls12-wrongca', 'server-no-intermediate', 'server-expired', 'tls12-ecdhe', 'tls13', 'netem-loss'];

test('readme: the Recipes section has recipes', () => {
  assert.ok(recipes.length >= 8, `${recipes.length} recipes`);
});

test('readme: the cookbook recipes checked by test/output/cookbook.test.ts stand in the README word for word', () => {
  for (const [name, recipe] of Object.entries(RECIPES)) {
    assert.ok(recipes.includes(recipe.replace(/CAPTURE/g, 'dump.txt')), `README lacks the ${name} recipe as tested: ${recipe}`);
  }
});

testIf(haveTool('tcpdump') && haveTool('jq'), 'tcpdump or jq is not installed: the README recipes are not run')(
  'readme: every recipe runs on recorded captures and prints something',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlsdump-readme-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'tlsdump'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'tlsdump.js')}" "$@"\n`);
    chmodSync(join(bin, 'tlsdump'), 0o755);
    writeFileSync(join(dir, 'dump.txt'), Buffer.concat(SCENARIOS.map((s) => tcpdumpText(join(FIXTURES, `${s}.pcap`), ['-nn', '-tt', '-XX']))));
    for (const recipe of recipes) {
      const r = spawnSync('bash', ['-o', 'pipefail', '-c', recipe], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      assert.is(r.status, 0, `${recipe}\n${r.stderr}`);
      assert.ok(r.stdout.trim().length > 0, `no output from: ${recipe}`);
    }
  },
);

test.run();
