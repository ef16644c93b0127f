// The one adapter from a pure core (push items, end) to a Node Transform. The decoder takes bytes and gives
// event objects; the output formats take event objects and give text.

import { Transform, type TransformCallback } from 'node:stream';

export interface Core<I = Uint8Array> {
  push(item: I): void;
  end(): void;
}

export interface Modes {
  /** Items written in are objects (not bytes). */
  writableObjectMode?: boolean;
  /** Items read out are objects (not strings or bytes). */
  readableObjectMode?: boolean;
}

/** Wraps a core built around an output callback into a Transform; a throw becomes the stream's error. */
export function toTransform<I, O>(make: (out: (item: O) => void) => Core<I>, modes: Modes): Transform {
  let core: Core<I>;
  const t = new Transform({
    ...modes,
    transform(item: I, _enc: BufferEncoding, cb: TransformCallback) {
      try {
        core.push(item);
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
  core = make((item: O) => {
    t.push(item);
  });
  return t;
}
