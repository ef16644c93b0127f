// Stage 1 (text): tcpdump text lines → packets. STUB, to be replaced by the text stage.

import type { Emit, Packet, Sink } from '../events.js';
import type { Options } from '../options.js';
import type { LineSink } from './lines.js';

export class TextPackets implements LineSink {
  constructor(
    readonly opts: Readonly<Options>,
    readonly next: Sink<Packet>,
    readonly emit: Emit,
  ) {}

  line(_buf: Uint8Array, _start: number, _end: number): void {}

  overlong(_length: number): void {}

  end(): void {}
}
