// The one adapter from a pure core (push bytes, end) to a Node Transform: bytes in, event objects out.

import { Transform, type TransformCallback } from 'node:stream';
import type { Emit, Event } from './events.js';

export interface Core {
  push(chunk: Uint8Array): void;
  end(): void;
}

/** Wraps a core built around an emit callback into an object-mode Transform. */
export function toTransform(make: (emit: Emit) => Core): Transform {
  let core: Core;
  const t = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      try {
        core.push(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        core.end();
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  core = make((ev: Event) => {
    t.push(ev);
  });
  return t;
}
