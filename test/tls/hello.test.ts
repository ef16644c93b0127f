// Hello enrichment (lib/tls/hello.ts): the facts and fingerprints of a decoded ClientHello. JA4 comes from a cache
// keyed by what it reads; whatever the order of hellos, it equals JA4 computed afresh.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ja3, ja4 } from '../../lib/fingerprint/index.js';
import { wireBytes, type Extension } from '../../lib/tls/extensions.js';
import { enrichClientHello, enrichServerHello } from '../../lib/tls/hello.js';

interface Hello {
  version: number;
  ciphers: number[];
  alpn?: string[];
  sv?: number[];
  sigs?: number[];
  sni: boolean;
}

function fieldsOf(h: Hello): Record<string, unknown> {
  const extensions: Extension[] = [];
  if (h.sni) extensions.push({ id: 0, length: 9, server_names: ['a.test'] });
  if (h.alpn) extensions.push({ id: 16, length: 5, protocols: h.alpn });
  if (h.sv) extensions.push({ id: 43, length: 5, version_ids: h.sv });
  if (h.sigs) extensions.push({ id: 13, length: 4, sig_alg_ids: h.sigs });
  extensions.push({ id: 10, length: 4, group_ids: [29, 23] });
  return { version_id: h.version, random: '00'.repeat(32), session_id: '', cipher_ids: h.ciphers, extensions };
}

// Small alphabets, so that many hellos share all but one part.
const hello = fc.record({
  version: fc.constantFrom(0x0301, 0x0303),
  ciphers: fc.array(fc.constantFrom(0x1301, 0xc02f, 0x0a0a, 0x002f), { maxLength: 4 }),
  alpn: fc.option(fc.array(fc.constantFrom('h2', 'http/1.1', 'a|b', '#00ff'), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  sv: fc.option(fc.array(fc.constantFrom(0x0304, 0x0303, 0x7f1c, 0x1a1a), { maxLength: 3 }), { nil: undefined }),
  sigs: fc.option(fc.array(fc.constantFrom(0x0403, 0x0804, 0x0201), { maxLength: 3 }), { nil: undefined }),
  sni: fc.boolean(),
});

test('hello: JA4 of each hello is JA4 computed afresh, in any order of hellos', () => {
  fc.assert(
    fc.property(fc.array(hello, { minLength: 1, maxLength: 12 }), (hellos) => {
      for (const h of hellos) {
        const f = fieldsOf(h);
        enrichClientHello(f, false);
        // Parse boundary of the test: the fixture's own extension list.
        const exts = f.extensions as Extension[];
        const ids = exts.map((e) => e.id);
        const expected = ja4({
          version: h.version,
          supportedVersions: h.sv,
          ciphers: h.ciphers,
          extensions: ids,
          alpn: h.alpn ? wireBytes(h.alpn[0]!) : undefined,
          sigAlgs: h.sigs ?? [],
        });
        assert.is(f.ja4, expected);
        assert.is(f.ja3, ja3(h.version, h.ciphers, ids, [29, 23], []).ja3);
        assert.is(f.sni, h.sni ? 'a.test' : null);
      }
    }),
  );
});

test('hello: a hello cut short has facts but no fingerprints; a ServerHello gives version, suite and JA3S', () => {
  const f = fieldsOf({ version: 0x0303, ciphers: [0x1301], alpn: ['h2'], sni: true });
  const kept = enrichClientHello(f, true);
  assert.is(f.ja4, undefined);
  assert.is(f.ja3, undefined);
  assert.equal(f.alpn, ['h2']);
  assert.equal(kept.supported_version_ids, []);
  const sh: Record<string, unknown> = {
    legacy_version_id: 0x0303,
    version_id: 0x0304,
    cipher_id: 0x1301,
    random: 'ab',
    session_id: 'cd',
    extensions: [
      { id: 43, length: 2, selected_version_id: 0x0304 },
      { id: 22, length: 0 },
    ],
  };
  const taken = enrichServerHello(sh, 'cd', false);
  assert.equal(taken, { version: 0x0304, cipher: 0x1301, random: 'ab', encryptThenMac: true });
  assert.is(sh.session_id_match, true);
  assert.is(sh.ja3s, '771,4865,43-22');
});

test.run();
