// NDJSON output: one event object per line, through the ndjson package's stringify stream.

import ndjson from 'ndjson';
import type { Transform } from 'node:stream';

export function ndjsonOut(): Transform {
  return ndjson.stringify() as Transform;
}
