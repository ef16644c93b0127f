// Stage 2 (tcp): packets → flows with ordered bytes per direction. STUB, to be replaced by reassembly.

import type { Emit, FlowItem, Packet, Sink } from '../events.js';
import type { Options } from '../options.js';

export class Reassembler {
  constructor(
    readonly opts: Readonly<Options>,
    readonly next: Sink<FlowItem>,
    readonly emit: Emit,
  ) {}

  push(_p: Packet): void {}

  end(): void {}
}
