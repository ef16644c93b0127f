// Stage 4 (session): TLS events of a flow → one tls.session verdict at its close. STUB.

import type { Emit, Event, FlowClose } from '../events.js';
import type { Options } from '../options.js';

export class Sessions {
  constructor(
    readonly opts: Readonly<Options>,
    readonly emit: Emit,
  ) {}

  /** Sees every event the earlier stages emit, in order. */
  observe(_ev: Event): void {}

  /** The flow has closed and the TLS stage has flushed it: emit its tls.session. */
  close(_item: FlowClose): void {}

  end(): void {}
}
