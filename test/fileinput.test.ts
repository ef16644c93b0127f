// lib/fileinput.ts: a file read whole and in order, in chunks of SLOW_READ_BYTES while the reader is slow and of
// READ_BYTES while it keeps up.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileInput, READ_BYTES, SLOW_READ_BYTES } from '../lib/fileinput.js';

/** Reads `file` through fileInput, waiting `delayMs` after each chunk; the chunks' sizes and their bytes. */
async function readAll(file: string, delayMs: number): Promise<{ sizes: number[]; bytes: Buffer }> {
  const sizes: number[] = [];
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      sizes.push(chunk.length);
      parts.push(Buffer.from(chunk));
      if (delayMs > 0) setTimeout(cb, delayMs);
      else cb();
    },
  });
  await pipeline(fileInput(file), sink);
  return { sizes, bytes: Buffer.concat(parts) };
}

const dir = mkdtempSync(join(tmpdir(), 'tlsdump-fileinput-'));
const file = join(dir, 'input.bin');
const data = Buffer.alloc(16 * READ_BYTES + 12345);
for (let i = 0; i < data.length; i++) data[i] = (i * 7919) >>> 5;
writeFileSync(file, data);

test('fileinput: a reader that keeps up gets the file whole, in chunks of up to READ_BYTES', async () => {
  const { sizes, bytes } = await readAll(file, 0);
  assert.ok(bytes.equals(data), 'the bytes read are the file');
  assert.ok(sizes.every((n) => n <= READ_BYTES));
  assert.is(sizes[0], SLOW_READ_BYTES, 'the first read is the small one');
  assert.ok(sizes.includes(READ_BYTES), `chunks: ${sizes.join(' ')}`);
});

test('fileinput: a slow reader gets chunks of SLOW_READ_BYTES', async () => {
  // 30 ms per chunk of 256 KiB is under 10 MB/s, far below SLOW_BYTES_PER_MS.
  const small = join(dir, 'small.bin');
  writeFileSync(small, data.subarray(0, 6 * SLOW_READ_BYTES + 100));
  const { sizes, bytes } = await readAll(small, 30);
  assert.ok(bytes.equals(data.subarray(0, 6 * SLOW_READ_BYTES + 100)));
  assert.ok(
    sizes.every((n) => n <= SLOW_READ_BYTES),
    `chunks: ${sizes.join(' ')}`,
  );
});

test('fileinput: an empty file ends at once, a missing one is an error', async () => {
  const empty = join(dir, 'empty.bin');
  writeFileSync(empty, '');
  assert.equal((await readAll(empty, 0)).sizes, []);
  try {
    await readAll(join(dir, 'missing.bin'), 0);
    assert.unreachable('a missing file must fail');
  } catch (err) {
    assert.match((err as NodeJS.ErrnoException).code ?? '', 'ENOENT');
  }
});

test('fileinput: destroyed while a read is in flight, it closes once that read is back', async () => {
  const input = fileInput(file);
  let chunks = 0;
  input.on('data', () => {
    // The next read is asked for as this chunk is handed out: destroy lands while it is in flight.
    if (++chunks === 1) setImmediate(() => input.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    input.once('close', resolve);
    input.once('error', reject);
  });
  assert.ok(input.destroyed && chunks >= 1 && chunks < 16, `${chunks} chunks`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
