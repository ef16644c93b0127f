// The output formats behind `--format`: NDJSON (the events themselves), text (blocks for a person) and ECS (one
// Elastic Common Schema document per connection). Each is an object-mode Writable side (events in) with a text
// Readable side, so the CLI pipes the decoder into any of them the same way.

import { Transform, type TransformCallback } from 'node:stream';
import type { Event, EventType } from '../events.js';
import { EcsDocuments, ECS_NEEDS } from './ecs.js';
import { jsonLine } from './jsonline.js';
import { ndjsonOut } from './ndjson.js';
import { TextFormatter, textNeeds, type TextOptions } from './text.js';

export const FORMATS = ['ndjson', 'text', 'ecs'] as const;
export type Format = (typeof FORMATS)[number];

export interface FormatOptions extends Partial<TextOptions> {
  format: Format;
}

/**
 * The event types the decoder must emit for a format. NDJSON emits what --events asks for; text and ECS read
 * more than they show (a block needs its flow's open and close, ECS needs the hellos and certificates).
 */
export function decoderEvents(o: FormatOptions, events: ReadonlySet<EventType>): Set<EventType> {
  if (o.format === 'ecs') return new Set(ECS_NEEDS);
  if (o.format === 'text') return new Set(textNeeds({ show: o.show ?? events, explain: o.explain ?? false }));
  return new Set(events);
}

/** A pure core (push an event, end) with a text sink, as a Transform: events in, UTF-8 text out. */
function coreStream(make: (out: (s: string) => void) => { push(ev: Event): void; end(): void }): Transform {
  let core: { push(ev: Event): void; end(): void };
  const t = new Transform({
    writableObjectMode: true,
    transform(ev: Event, _enc: BufferEncoding, cb: TransformCallback) {
      try {
        core.push(ev);
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
  core = make((s) => {
    t.push(s);
  });
  return t;
}

/** The output stream for a format. */
export function formatStream(o: FormatOptions): Transform {
  switch (o.format) {
    case 'ecs':
      return coreStream((out) => new EcsDocuments((doc) => out(jsonLine(doc))));
    case 'text':
      return coreStream((out) => new TextFormatter({ show: o.show ?? new Set(), explain: o.explain ?? false, color: o.color ?? false, maxEventsPerFlow: o.maxEventsPerFlow }, out));
    default:
      return ndjsonOut();
  }
}
