// The output formats behind `--format`: NDJSON (the events themselves), text (blocks for a person), ECS (one
// Elastic Common Schema document per connection) and Mermaid (one sequence diagram per connection). Each is an
// object-mode Writable side (events in) with a text Readable side, so the CLI pipes the decoder into any of them
// the same way.

import { Transform } from 'node:stream';
import type { Event, EventType } from '../events.js';
import { toTransform } from '../stream.js';
import { EcsDocuments, ECS_NEEDS } from './ecs.js';
import { jsonLine } from './jsonline.js';
import { MermaidFormatter, MERMAID_NEEDS } from './mermaid.js';
import { ndjsonOut } from './ndjson.js';
import { TextFormatter, textNeeds, type TextOptions } from './text.js';

export const FORMATS = ['ndjson', 'text', 'ecs', 'mermaid'] as const;
export type Format = (typeof FORMATS)[number];

export interface FormatOptions extends Partial<TextOptions> {
  format: Format;
  /**
   * Text only, for live input (a pipe or a terminal, not a file): the open connections' lines so far are written
   * after this many milliseconds without a new event, and at the latest `TEXT_MAX_DELAY_MS` after an event.
   */
  idleMs?: number;
}

/** The idle time after which `--format text` on a live input writes what the open connections did so far. */
export const TEXT_IDLE_MS = 200;
/** The longest a shown event waits on a live input while events keep coming without a pause. */
export const TEXT_MAX_DELAY_MS = 1000;

/**
 * The event types the decoder must emit for a format. NDJSON emits what --events asks for; text and ECS read
 * more than they show (a block needs its flow's open and close, ECS needs the hellos and certificates).
 */
export function decoderEvents(o: FormatOptions, events: ReadonlySet<EventType>): Set<EventType> {
  if (o.format === 'ecs') return new Set(ECS_NEEDS);
  if (o.format === 'mermaid') return new Set(MERMAID_NEEDS);
  if (o.format === 'text') return new Set(textNeeds({ show: o.show ?? events, explain: o.explain ?? false }));
  return new Set(events);
}

/** The output stream for a format. */
export function formatStream(o: FormatOptions): Transform {
  switch (o.format) {
    case 'ecs':
      return toTransform<Event, string>((out) => new EcsDocuments((doc) => out(jsonLine(doc))), { writableObjectMode: true });
    case 'mermaid':
      return toTransform<Event, string>((out) => new MermaidFormatter(out), { writableObjectMode: true });
    case 'text': {
      const make = (out: (s: string) => void) =>
        new TextFormatter(
          { show: o.show ?? new Set(), explain: o.explain ?? false, color: o.color ?? false, maxEventsPerFlow: o.maxEventsPerFlow },
          out,
        );
      return o.idleMs ? liveText(make, o.idleMs) : toTransform<Event, string>(make, { writableObjectMode: true });
    }
    default:
      return ndjsonOut();
  }
}

/**
 * The text core with timers: a connection that stalls live, say after the server's alert, shows what it
 * did so far once the input has been quiet for `idleMs`, or after `TEXT_MAX_DELAY_MS` while events keep coming,
 * instead of only at its close. The core itself stays synchronous; only this adapter knows about time.
 */
function liveText(make: (out: (s: string) => void) => TextFormatter, idleMs: number): Transform {
  let idle: NodeJS.Timeout | undefined;
  let late: NodeJS.Timeout | undefined;
  const drain = (): void => {
    clearTimeout(idle);
    clearTimeout(late);
    idle = late = undefined;
    core.drain();
  };
  const t = new Transform({
    writableObjectMode: true,
    transform(ev: Event, _enc, cb) {
      try {
        core.push(ev);
      } catch (err) {
        cb(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (idle) idle.refresh();
      else idle = setTimeout(drain, idleMs).unref();
      late ??= setTimeout(drain, TEXT_MAX_DELAY_MS).unref();
      cb();
    },
    flush(cb) {
      clearTimeout(idle);
      clearTimeout(late);
      try {
        core.end();
        cb();
      } catch (err) {
        cb(err instanceof Error ? err : new Error(String(err)));
      }
    },
  });
  const core = make((s) => t.push(s));
  return t;
}
