// The per-flow half of the TCP pipeline: a flow's items from lib/tcp → its flow events, TLS events (lib/tls) and
// tls.session verdict (lib/session). Its state is per flow, so any set of flows may be given to one FlowStage and
// another set to another (a worker thread, lib/parallel/worker.ts) with the same events for each flow.

import { flowEvent, type Emit, type Event, type FlowItem } from '../events.js';
import type { Excerpts } from '../excerpt/index.js';
import type { KeyStore } from '../keylog/index.js';
import type { Options } from '../options.js';
import { Sessions } from '../session/index.js';
import { TlsDecoder } from '../tls/index.js';

export class FlowStage {
  private readonly tls: TlsDecoder;
  private readonly sessions: Sessions;
  private readonly wants: ReadonlySet<string>;

  /** `out` receives the events `options.events` asks for; `excerpts`, when it gives a set, marks the events of its
   *  flows (hex rows without headers, lib/excerpt) and cuts their verdicts down. */
  constructor(
    options: Readonly<Options>,
    private readonly out: Emit,
    keys: KeyStore,
    private readonly excerpts: () => Excerpts | undefined = () => undefined,
  ) {
    this.wants = options.events;
    this.sessions = new Sessions(options, (ev: Event) => {
      const ex = this.excerpts();
      if (ex && ev.type === 'tls.session' && ex.has(ev.flow as number)) ev = ex.verdict(ev);
      if (this.wants.has(ev.type)) this.out(ev);
    });
    this.tls = new TlsDecoder(options, (ev) => this.event(ev), keys);
  }

  /** An event of the earlier stages or of this one: the sessions stage sees it, the output gets it if wanted. */
  event(ev: Event): void {
    const ex = this.excerpts();
    if (ex && ev.flow !== undefined && ev.type !== 'flow' && ex.has(ev.flow as number)) ex.annotate(ev);
    this.sessions.observe(ev);
    if (this.wants.has(ev.type)) this.out(ev);
  }

  /** One item of lib/tcp (or lib/excerpt): open, data, close. */
  item(item: FlowItem): void {
    if (item.kind === 'open') this.event(flowEvent(item));
    this.tls.push(item);
    if (item.kind === 'close') {
      this.event(flowEvent(item));
      this.sessions.close(item);
    }
  }

  end(): void {
    this.tls.end();
    this.sessions.end();
  }
}
