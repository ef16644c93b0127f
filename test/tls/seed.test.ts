// The seed article's first trace, end to end through decodeAll (`--events all`): every value the article works
// out by hand must come out.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { ROOT, SHARED, testIf } from '../support/shared.js';

function check(events: Event[]): void {
  const tls = events.filter((e) => e.flow === 0 && e.type.startsWith('tls.'));
  const hs = tls.filter((e) => e.type === 'tls.handshake');
  const records = tls.filter((e) => e.type === 'tls.record');

  const ch = hs.find((e) => e.msg === 'client_hello')!;
  assert.ok(ch, 'client_hello');
  assert.is(ch.dir, 'c2s');
  assert.is(ch.sslv2, true);
  assert.is(ch.version, 'TLS 1.0');
  const specs = ch.cipher_ids as number[];
  assert.is(specs.length, 33);
  assert.is(specs[0], 0x000039);
  assert.ok(specs.includes(0x0700c0) && specs.includes(0x020080), 'SSLv2 3-byte specs kept as numbers');
  assert.is((ch.ciphers as string[])[specs.indexOf(0x0700c0)], 'SSL2_DES_192_EDE3_CBC_WITH_MD5');
  assert.is((ch.ciphers as string[])[0], 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA');
  assert.is(records[0]!.content, 'sslv2');

  const sh = hs.find((e) => e.msg === 'server_hello')!;
  assert.is(sh.version, 'TLS 1.0');
  assert.is(sh.cipher_id, 0x0035);
  assert.is(sh.cipher, 'TLS_RSA_WITH_AES_256_CBC_SHA');
  assert.is(sh.gmt_unix_time, 1204501937);
  assert.is(sh.session_id, '21600f979736fb6017860197d9747cf234ab413c3cc1fcd8c5a009918abac316');
  assert.is(sh.compression_id, 0);

  const cert = hs.find((e) => e.msg === 'certificate')!;
  const certs = cert.certs as { subject: string; issuer: string; sha256: string }[];
  assert.is(certs.length, 2);
  assert.match(certs[0]!.subject, /CN=www\.google\.com/);
  assert.match(certs[1]!.subject, /CN=Thawte SGC CA/);
  assert.match(certs[0]!.issuer, /CN=Thawte SGC CA/);

  assert.ok(
    hs.some((e) => e.msg === 'server_hello_done' && e.dir === 's2c'),
    'server_hello_done',
  );
  const cke = hs.find((e) => e.msg === 'client_key_exchange')!;
  assert.is(cke.length, 130);
  assert.is(cke.encrypted_pre_master_bytes, 128);

  const ccs = records.filter((e) => e.content === 'change_cipher_spec');
  assert.equal(
    ccs.map((e) => e.dir),
    ['c2s', 's2c'],
  );
  const finished = records.filter((e) => e.content === 'handshake' && e.encrypted === true);
  assert.equal(
    finished.map((e) => [e.dir, e.length]),
    [
      ['c2s', 48],
      ['s2c', 48],
    ],
  );
  assert.not.ok(
    hs.some((e) => e.msg === 'finished'),
    'encrypted Finished is not decoded',
  );

  const appC2s = records.filter((e) => e.content === 'application_data' && e.dir === 'c2s').map((e) => e.length);
  assert.equal(appC2s, [32, 48, 32, 32]);

  const alerts = tls.filter((e) => e.type === 'tls.alert');
  assert.equal(
    alerts.map((e) => [e.dir, e.encrypted]),
    [['c2s', true]],
  );
}

const all = defaultOptions({ events: new Set(EVENT_TYPES) });

test('seed: the bundled first trace gives every value the article works out by hand', () => {
  check(decodeAll(readFileSync(join(ROOT, 'data', 'seed-trace1.txt')), all));
});

const article = join(SHARED, 'seed', '000_f61e09c4f4cda515.txt');
testIf(existsSync(article), '../shared/seed absent: seed article test')('seed: the article text itself, prose and all, gives the same values', () => {
  check(decodeAll(readFileSync(article), all));
});

test.run();
