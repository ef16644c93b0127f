// Stage 3 (tls): ordered flow bytes → tls.record, tls.handshake and tls.alert events. STUB.

import type { Emit, FlowItem } from '../events.js';
import type { Options } from '../options.js';

export class TlsDecoder {
  constructor(
    readonly opts: Readonly<Options>,
    readonly emit: Emit,
  ) {}

  push(_item: FlowItem): void {}

  end(): void {}
}
