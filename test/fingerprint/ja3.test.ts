import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { isGrease, withoutGrease, ja3, ja3s } from '../../lib/fingerprint/index.js';
import { CAPTURES, FIXTURES, haveShared, haveTool, testIf } from '../support/shared.js';
import { captureFiles, mapLimit, tsharkHellos, type TsharkHello } from './tshark-hellos.js';

const GREASE = [0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa];

test('grease: exactly the 16 RFC 8701 values are GREASE among all 16-bit values', () => {
  const found: number[] = [];
  for (let v = 0; v <= 0xffff; v++) if (isGrease(v)) found.push(v);
  assert.equal(found, GREASE);
  assert.not.ok(isGrease(0x0a0a0a));
  assert.equal(withoutGrease([0x0a0a, 1, 0xfafa, 2, 0x0a0b]), [1, 2, 0x0a0b]);
});

test('ja3: the salesforce README vectors give their published MD5', () => {
  const a = ja3(769, [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4], [0, 10, 11], [23, 24, 25], [0]);
  assert.is(a.ja3, '769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0');
  assert.is(a.ja3_hash, 'ada70206e40642a3e4461f35503241d5');
  const b = ja3(769, [4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99], [], [], []);
  assert.is(b.ja3, '769,4-5-10-9-100-98-3-6-19-18-99,,,');
  assert.is(b.ja3_hash, 'de350869b8c85de67a350c8d186f11e6');
});

test('ja3: the lab OpenSSL 3 TLS 1.2 client vector (tshark and ssldump agree)', () => {
  const ciphers =
    '49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255'
      .split('-')
      .map(Number);
  const a = ja3(771, ciphers, [0, 11, 10, 35, 16, 22, 23, 13], [29, 23, 30, 25, 24], [0, 1, 2]);
  assert.is(a.ja3_hash, '22558766122974704364c9c75c5cce0a');
});

test('ja3: GREASE is removed from ciphers, extensions and groups, and only GREASE', () => {
  const withG = ja3(771, [0x2a2a, 4865, 0x0a0b], [0xdada, 0, 0xfafa, 43], [0x4a4a, 29], [0]);
  assert.is(withG.ja3, '771,4865-2571,0-43,29,0');
  assert.is(withG.ja3_hash, ja3(771, [4865, 2571], [0, 43], [29], [0]).ja3_hash);
});

test('ja3s: the lab vectors (TLS 1.2 with extensions, TLS 1.3 with legacy version 771)', () => {
  assert.equal(ja3s(771, 49199, [65281, 11, 35, 23]), { ja3s: '771,49199,65281-11-35-23', ja3s_hash: '1af33e1657631357c73119488045302c' });
  assert.equal(ja3s(771, 4866, [43, 51]), { ja3s: '771,4866,43-51', ja3s_hash: '15af977ce25de452b96affa2addb1036' });
  assert.is(ja3s(769, 4, []).ja3s, '769,4,');
});

// ---- against tshark on every hello of the shared captures ----

let hellos: Map<string, TsharkHello[]> | undefined;
async function allHellos(): Promise<Map<string, TsharkHello[]>> {
  if (!hellos) {
    // The shared public captures and the project's own recorded ones.
    const files = [...captureFiles(CAPTURES), ...(existsSync(FIXTURES) ? captureFiles(FIXTURES) : [])];
    const res = await mapLimit(files, 4, (f) => tsharkHellos(f).catch(() => [] as TsharkHello[]));
    hellos = new Map(files.map((f, i) => [f, res[i]!]));
  }
  return hellos;
}
const canTshark = haveShared && haveTool('tshark');

testIf(canTshark, '../shared/captures or tshark absent: JA3 against tshark')(
  'ja3/ja3s: equal tshark ja3_full/ja3 and ja3s_full/ja3s on every hello tshark fingerprints in ../shared/captures and test/fixtures',
  async () => {
    let clients = 0;
    let servers = 0;
    let malformed = 0;
    const bad: string[] = [];
    for (const [file, hs] of await allHellos()) {
      for (const h of hs) {
        const where = `${basename(file)} frame ${h.frame}`;
        // tshark stops building its JA3 string where a malformed hello stops parsing ("769,4-5-…-37,"): a
        // dissector artefact, not a fingerprint. Whether such a hello gets a JA3 is the TLS stage's decision.
        if (h.malformed) {
          malformed++;
          continue;
        }
        if (h.type === 1 && h.ja3_full !== undefined) {
          const got = ja3(h.version!, h.ciphers, h.extensions, h.groups, h.pointFormats);
          clients++;
          if (got.ja3 !== h.ja3_full || got.ja3_hash !== h.ja3) bad.push(`${where}: ${got.ja3} != ${h.ja3_full}`);
        } else if (h.type === 2 && h.ja3s_full !== undefined) {
          const got = ja3s(h.version!, h.ciphers[0]!, h.extensions);
          servers++;
          if (got.ja3s !== h.ja3s_full || got.ja3s_hash !== h.ja3s) bad.push(`${where}: ${got.ja3s} != ${h.ja3s_full}`);
        }
      }
    }
    assert.equal(bad, []);
    process.stderr.write(`  ja3: ${clients} ClientHellos and ${servers} ServerHellos equal tshark (${malformed} malformed hellos left out)\n`);
    assert.ok(clients >= 100, `only ${clients} ClientHellos compared`);
    assert.ok(servers >= 50, `only ${servers} ServerHellos compared`);
  },
);

testIf(canTshark, '../shared/captures or tshark absent: JA3 against tshark')(
  'ja3: tshark computes no JA3 for SSLv2-format ClientHellos, and we define none (documented choice)',
  async () => {
    let v2 = 0;
    for (const hs of (await allHellos()).values())
      for (const h of hs)
        if (h.type === 1 && h.sslv2) {
          v2++;
          assert.is(h.ja3_full, undefined);
        }
    assert.ok(v2 > 0, 'no SSLv2-format ClientHello found in the captures');
  },
);

testIf(canTshark, '../shared/captures or tshark absent: JA3 against Arkime')(
  "ja3/ja3s: Arkime's expected ja3string/ja3sstring are among ours for the same capture",
  async () => {
    let compared = 0;
    for (const [file, hs] of await allHellos()) {
      const exp = file.replace(/\.pcap(ng)?$/, '.arkime.expected.json');
      if (!existsSync(exp)) continue;
      const text = readFileSync(exp, 'utf8');
      const ours = new Set<string>();
      for (const h of hs) {
        if (h.type === 1 && !h.sslv2) ours.add(ja3(h.version!, h.ciphers, h.extensions, h.groups, h.pointFormats).ja3);
        if (h.type === 2) ours.add(ja3s(h.version!, h.ciphers[0]!, h.extensions).ja3s);
      }
      for (const m of text.matchAll(/"ja3s?string"\s*:\s*\[\s*"([^"]*)"/g)) {
        compared++;
        assert.ok(ours.has(m[1]!), `${basename(file)}: Arkime's ${m[1]} not among ours`);
      }
    }
    assert.ok(compared >= 10, `only ${compared} Arkime values compared`);
  },
);

test.run();
