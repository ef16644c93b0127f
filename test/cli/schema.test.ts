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

test.run();
