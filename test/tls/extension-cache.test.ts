// The cache of decoded extensions (lib/tls/extensions.ts): the same bytes in the same kind of message give the same
// object again, marked shared; any other bytes are decoded afresh, whatever the order and past the cache's limit.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cursor } from '../../lib/cursor.js';
import { isShared } from '../../lib/shared.js';
import { decodeExtensions, EXTENSION_CACHE_ENTRIES, EXTENSION_CACHE_MAX_BYTES, type ExtContext, type Extension } from '../../lib/tls/extensions.js';

/** One extension on the wire: type, length, body. */
function wire(id: number, body: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(body.length, 2);
  b.set(body, 4);
  return b;
}

function decode(ctx: ExtContext, ...exts: Buffer[]): Extension[] {
  return decodeExtensions(Cursor.of(Buffer.concat(exts)), ctx).extensions;
}

const u16s = (...v: number[]): Uint8Array => {
  const b = Buffer.alloc(2 + 2 * v.length);
  b.writeUInt16BE(2 * v.length, 0);
  v.forEach((x, i) => b.writeUInt16BE(x, 2 + 2 * i));
  return b;
};

test('extension cache: the same bytes give the same shared object; another message, other bytes or a fresh type do not', () => {
  const groups = wire(10, u16s(29, 23, 24));
  const [a] = decode('client_hello', groups);
  const [b] = decode('client_hello', groups);
  assert.ok(a === b && isShared(a!), 'the same supported_groups twice is one shared object');
  assert.equal(a!.group_ids, [29, 23, 24]);
  const [c] = decode('encrypted_extensions', groups);
  assert.ok(c !== a, 'the same bytes in another message are decoded for that message');
  assert.equal(c!.group_ids, [29, 23, 24]);
  const [d] = decode('client_hello', wire(10, u16s(29, 23, 25)));
  assert.ok(d !== a);
  assert.equal(d!.group_ids, [29, 23, 25]);
  // A key share (new bytes in every connection) and a session ticket with a ticket are never kept.
  const share = wire(51, Buffer.from('0024001d0020' + '11'.repeat(32), 'hex'));
  const [k1] = decode('client_hello', share);
  const [k2] = decode('client_hello', share);
  assert.ok(k1 !== k2 && !isShared(k1!));
  assert.equal(k1, k2);
  const [t1] = decode('client_hello', wire(35, Buffer.from('abcd', 'hex')));
  assert.ok(!isShared(t1!));
  const [t2] = decode('client_hello', wire(35, new Uint8Array(0)));
  assert.ok(isShared(t2!), 'an empty session ticket (asking for one) is kept');
  // A body over the limit is decoded, not kept.
  const long = wire(21, new Uint8Array(EXTENSION_CACHE_MAX_BYTES + 1));
  const [p1] = decode('client_hello', long);
  const [p2] = decode('client_hello', long);
  assert.ok(p1 !== p2 && !isShared(p1!));
  assert.is(p1!.length, EXTENSION_CACHE_MAX_BYTES + 1);
  // A GREASE type is marked, not kept.
  const [g] = decode('client_hello', wire(0x1a1a, new Uint8Array(1)));
  assert.equal(g, { id: 0x1a1a, length: 1, grease: true });
});

test('extension cache: in any order, past its limit, each extension equals its first decoding (property)', () => {
  const ctxs: ExtContext[] = ['client_hello', 'server_hello', 'encrypted_extensions', 'certificate_request'];
  // Small alphabets so that bytes recur; more distinct extensions than the cache holds.
  const ext = fc.record({
    ctx: fc.constantFrom(...ctxs),
    id: fc.constantFrom(0, 10, 13, 16, 43, 45, 0xff01, 999),
    body: fc.uint8Array({ maxLength: 6 }).map((b) => Uint8Array.from(b, (x) => x % 4)),
  });
  fc.assert(
    fc.property(fc.array(ext, { minLength: 1, maxLength: 3 * EXTENSION_CACHE_ENTRIES }), (list) => {
      const first = new Map<string, string>();
      const objects = new Map<Extension, string>();
      for (const e of list) {
        const key = `${e.ctx} ${e.id} ${Buffer.from(e.body).toString('hex')}`;
        const [got] = decode(e.ctx, wire(e.id, e.body));
        const json = JSON.stringify(got);
        const was = first.get(key);
        if (was === undefined) first.set(key, json);
        else assert.is(json, was, key);
        // One object never stands for two different extensions.
        const seen = objects.get(got!);
        if (seen !== undefined) assert.is(seen, key);
        objects.set(got!, key);
      }
    }),
    { numRuns: 60 },
  );
});

test.run();
