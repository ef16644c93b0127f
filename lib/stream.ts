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
  /**
   * Each item is handled in a setImmediate after write() returns, not inside it. A file source then issues its
   * next read before the core starts on the chunk it gave, so the read runs on libuv's pool while the core works
   * (inside write(), the read was issued only after the core had finished: measured, 10–20% of a run idle).
   */
  deferred?: boolean;
}

/** Wraps a core built around an output callback into a Transform; a throw becomes the stream's error. */
export function toTransform<I, O>(make: (out: (item: O) => void) => Core<I>, modes: Modes): Transform {
  let core: Core<I>;
  const handle = (item: I, cb: TransformCallback): void => {
    try {
      core.push(item);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  };
  const { deferred, ...objectModes } = modes;
  const t = new Transform({
    ...objectModes,
    transform(item: I, _enc: BufferEncoding, cb: TransformCallback) {
      if (deferred) setImmediate(handle, item, cb);
      else handle(item, cb);
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
