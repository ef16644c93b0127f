import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EVENT_TYPES } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { ROOT } from '../support/shared.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'events.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

for (const trace of ['seed-trace1.txt', 'seed-trace2.txt']) {
  test(`schema: every event of the bundled ${trace} validates against docs/events.schema.json`, () => {
    const events = decodeAll(readFileSync(join(ROOT, 'data', trace)), defaultOptions({ events: new Set(EVENT_TYPES) }));
    assert.ok(events.length > 0);
    for (const ev of events) {
      if (!validate(ev)) assert.unreachable(`${JSON.stringify(ev).slice(0, 300)}: ${JSON.stringify(validate.errors).slice(0, 500)}`);
    }
  });
}

test('schema: decrypted events (records, messages, alerts, tls.data with a preview, keys_missing) validate', () => {
  const dir = join(ROOT, 'test', 'fixtures', 'decrypt');
  let n = 0;
  for (const name of ['mtls13-nocert', 'tls12-cbc-etm', 'tls13-keyupdate']) {
    const events = decodeAll(
      readFileSync(join(dir, `${name}.pcap`)),
      defaultOptions({ events: new Set(EVENT_TYPES), keylog: [join(dir, `${name}.keylog`)], dataPreview: 32 }),
    );
    for (const ev of events) {
      if (!validate(ev)) assert.unreachable(`${JSON.stringify(ev).slice(0, 300)}: ${JSON.stringify(validate.errors).slice(0, 500)}`);
      if (ev.decrypted === true) n++;
    }
  }
  // A key log with a malformed line (the README of the fixtures is no key log): keylog.malformed anomalies.
  const missing = decodeAll(
    readFileSync(join(dir, 'tls13-hrr.pcap')),
    defaultOptions({ events: new Set(EVENT_TYPES), keylog: [join(dir, 'tls12-gcm.keylog'), join(dir, 'README.md')] }),
  );
  assert.ok(missing.some((e) => e.keys_missing !== undefined));
  assert.ok(missing.some((e) => e.code === 'keylog.malformed' && typeof e.keylog_line === 'number'));
  for (const ev of missing)
    if (!validate(ev)) assert.unreachable(`${JSON.stringify(ev).slice(0, 300)}: ${JSON.stringify(validate.errors).slice(0, 500)}`);
  assert.ok(n > 20);
});

test.run();
