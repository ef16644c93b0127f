// Test helpers for stream tests: input files of a directory, an input cut into chunks, a pipeline run into one
// buffer, and the key log beside a capture.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The files under `dir` (recursively) that `ok` accepts, sorted; none when `dir` is absent. */
export function files(dir: string, ok: (f: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && ok(f))
    .sort();
}

/** `buf` in chunks of `size` bytes (the last one shorter). */
export function chunks(buf: Buffer, size: number): Buffer[] {
  if (size >= buf.length) return [buf];
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** The bytes that come out of `stages` when `parts` go in. */
export async function run(parts: Buffer[], stages: Transform[]): Promise<Buffer> {
  const got: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      got.push(Buffer.from(chunk));
      cb();
    },
  });
  await pipeline([Readable.from(parts, { objectMode: false }), ...stages, sink]);
  return Buffer.concat(got);
}

/** The key log beside a capture or text (same name, .keylog), when there is one. */
export function keylogOf(f: string): string[] {
  const k = f.replace(/\.(pcap|pcapng|cap|txt)$/, '.keylog');
  return existsSync(k) ? [k] : [];
}
