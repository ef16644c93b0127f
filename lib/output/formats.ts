// The output formats behind `--format`: NDJSON (the events themselves), text (blocks for a person), ECS (one
// Elastic Common Schema document per connection) and Mermaid (one sequence diagram per connection). Each is an
// object-mode Writable side (events in) with a text Readable side, so the CLI pipes the decoder into any of them
// the same way.

import type { Transform } from 'node:stream';
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
}

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
    case 'text':
      return toTransform<Event, string>((out) => new TextFormatter({ show: o.show ?? new Set(), explain: o.explain ?? false, color: o.color ?? false, maxEventsPerFlow: o.maxEventsPerFlow }, out), { writableObjectMode: true });
    default:
      return ndjsonOut();
  }
}
