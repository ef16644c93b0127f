// Every option of the decoder, with its named default, CLI flag and help text: one table, read by the CLI
// (bin/cli.ts) and by the docs. Options are resolved once, copied and frozen; stages never mutate them.

import { availableParallelism } from 'node:os';
import { EVENT_TYPES, type EventType } from './events.js';

export interface Options {
  /** Event types to emit. */
  events: ReadonlySet<EventType>;
  /** What the input is: 'auto' tells pcap and pcapng from text by their magic bytes; 'text' or 'pcap' forces one. */
  input: 'auto' | 'text' | 'pcap';
  /** What the CLI writes (lib/output/formats.ts): NDJSON events, text blocks for a person, or ECS documents. */
  format: 'ndjson' | 'text' | 'ecs';
  /** Longest input line kept, in bytes; a longer line is skipped (never buffered whole) with an anomaly. */
  maxLineBytes: number;
  /** Longest a TCP flow or a UDP flow may sit idle, in capture seconds, before it is closed with `end: timeout`. */
  idleTimeout: number;
  /** Out-of-order bytes buffered per flow and direction before the oldest hole is declared lost. */
  maxFlowBufferBytes: number;
  /** Out-of-order bytes buffered across all flows before the oldest flow's hole is declared lost. */
  maxTotalBufferBytes: number;
  /** Live flows kept at once, TCP and UDP each; beyond it the least recently active flow is evicted. */
  maxFlows: number;
  /** Memory live TCP flows may take, per decoder instance (a caller that runs several splits it between them): a
   *  fixed cost per flow for its state in every stage plus the bytes it holds, each piece at its footprint
   *  (lib/tcp/index.ts FLOW_BYTES, PIECE_BYTES); beyond it the least recently active flows are evicted. */
  maxMemoryBytes: number;
  /** Largest TLS handshake message accepted, in bytes. */
  maxHandshakeBytes: number;
  /** Most certificates decoded per chain. */
  maxCertsPerChain: number;
  /** Delivered bytes kept per flow direction to compare retransmitted bytes against (overlap conflicts). */
  overlapWindowBytes: number;
  /** Packets to wait, after the peer acknowledged past a hole or after a RST, before declaring bytes lost. */
  gapGracePackets: number;
  /** NSS key log files (--keylog, lib/keylog): secrets to decrypt with. Empty: nothing is decrypted unless a pcapng
   * carries secrets. */
  keylog: readonly string[];
  /** Bytes of decrypted application data shown as escaped text in `tls.data` (--data-preview); 0 shows none. */
  dataPreview: number;
  /** Threads decoding TCP flows (lib/parallel, NDJSON output): by default the number of cores; 1 keeps all in one
   *  thread. The output bytes are the same whatever the number. */
  jobs: number;
}

export interface OptionSpec {
  key: Exclude<keyof Options, 'events' | 'input' | 'format' | 'keylog' | 'dataPreview' | 'jobs'>;
  flag: string;
  default: number;
  help: string;
  example: string;
}

/** The numeric limits: one row each. */
export const LIMITS: readonly OptionSpec[] = [
  {
    key: 'maxLineBytes',
    flag: '--max-line-bytes',
    default: 65536,
    help: 'longest input line kept; longer lines are skipped with an anomaly',
    example: '--max-line-bytes 1048576',
  },
  {
    key: 'idleTimeout',
    flag: '--idle-timeout',
    default: 300,
    help: 'close a TCP flow (or a QUIC/DTLS flow over UDP) after this many seconds of capture time without packets',
    example: '--idle-timeout 60',
  },
  {
    key: 'maxFlowBufferBytes',
    flag: '--max-flow-buffer',
    default: 1 << 20,
    help: 'out-of-order bytes buffered per flow direction before a hole is declared lost',
    example: '--max-flow-buffer 262144',
  },
  {
    key: 'maxTotalBufferBytes',
    flag: '--max-total-buffer',
    default: 64 << 20,
    help: 'out-of-order bytes buffered across all flows',
    example: '--max-total-buffer 16777216',
  },
  {
    key: 'maxFlows',
    flag: '--max-flows',
    default: 20000,
    help: 'live TCP flows tracked at once (a few KB each), and as many UDP flows; the least recently active is evicted beyond it',
    example: '--max-flows 100000',
  },
  {
    key: 'maxMemoryBytes',
    flag: '--max-memory',
    default: 32 << 20,
    help: 'memory live TCP flows may take: about 8 KB per flow plus the bytes each holds; the least recently active flows are evicted beyond it',
    example: '--max-memory 268435456',
  },
  {
    key: 'maxHandshakeBytes',
    flag: '--max-handshake-bytes',
    default: 1 << 18,
    help: 'largest TLS handshake message decoded',
    example: '--max-handshake-bytes 65536',
  },
  { key: 'maxCertsPerChain', flag: '--max-certs', default: 16, help: 'most certificates decoded per Certificate message', example: '--max-certs 8' },
  {
    key: 'overlapWindowBytes',
    flag: '--overlap-window',
    default: 65536,
    help: 'delivered bytes kept per flow direction to compare retransmissions against (overlap conflicts)',
    example: '--overlap-window 16384',
  },
  {
    key: 'gapGracePackets',
    flag: '--gap-grace',
    default: 16,
    help: 'packets to wait after the peer acknowledges past a hole (or after a RST) before the missing bytes are declared lost',
    example: '--gap-grace 64',
  },
];

/** The default of `jobs`: the cores this process may use. */
export const DEFAULT_JOBS = Math.max(1, availableParallelism());

export function defaultOptions(overrides: Partial<Options> = {}): Readonly<Options> {
  const o: Record<string, unknown> = {
    events: new Set<EventType>(['tls.handshake', 'tls.alert', 'tls.session', 'anomaly']),
    input: 'auto',
    format: 'ndjson',
    keylog: [],
    dataPreview: 0,
    jobs: DEFAULT_JOBS,
  };
  for (const spec of LIMITS) o[spec.key] = spec.default;
  return Object.freeze({ ...(o as unknown as Options), ...overrides });
}

/**
 * Options as a JavaScript caller writes them: `events` as any iterable of type names (an array, a Set) or 'all',
 * `keylog` as one path or several; every other field as in Options.
 */
export type OptionsInput = Partial<Omit<Options, 'events' | 'keylog' | 'format'>> & {
  events?: Iterable<EventType | string> | 'all';
  keylog?: string | readonly string[];
  format?: Options['format'] | 'mermaid';
};

/** The most threads `jobs` takes. */
export const MAX_JOBS = 64;

const INPUTS: readonly string[] = ['auto', 'text', 'pcap'];
const FORMAT_NAMES: readonly string[] = ['ndjson', 'text', 'ecs', 'mermaid'];

function optionError(kind: typeof TypeError | typeof RangeError, key: string, what: string, got: unknown): Error {
  const shown =
    typeof got === 'string' ? `'${got}'` : typeof got === 'object' && got !== null ? (Array.isArray(got) ? 'an array' : 'an object') : String(got);
  return new kind(`tlsdump option ${key}: ${what}, not ${shown}`);
}

/**
 * Checks options given from JavaScript and fills in the defaults: plain values are turned into the resolved form
 * (an array of event types into a Set), and a value the decoder cannot use throws, at once, one TypeError (wrong
 * kind of value, unknown option) or RangeError (a number or name out of range) naming the option. The stage
 * factories (lib/streams.ts) and the decoder entry points (lib/pipeline.ts) call it, so nothing fails later.
 */
export function resolveOptions(input: OptionsInput | Readonly<Options> = {}): Readonly<Options> {
  if (typeof input !== 'object' || input === null) throw optionError(TypeError, 'object', 'options are an object of named fields', input);
  const base = defaultOptions();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!(key in base)) throw new TypeError(`tlsdump option ${key}: unknown option (known: ${Object.keys(base).join(', ')})`);
    out[key] = value;
  }
  if (out.events !== undefined) out.events = resolveEvents(out.events);
  if (out.keylog !== undefined) {
    const k = typeof out.keylog === 'string' ? [out.keylog] : out.keylog;
    if (!Array.isArray(k) || k.some((p) => typeof p !== 'string' || p === ''))
      throw optionError(TypeError, 'keylog', 'takes a file path or an array of them', out.keylog);
    out.keylog = [...(k as string[])];
  }
  if (out.input !== undefined && !INPUTS.includes(out.input as string))
    throw optionError(RangeError, 'input', `takes ${INPUTS.join(', ')}`, out.input);
  if (out.format !== undefined && !FORMAT_NAMES.includes(out.format as string))
    throw optionError(RangeError, 'format', `takes ${FORMAT_NAMES.join(', ')}`, out.format);
  if (out.dataPreview !== undefined) {
    const n = out.dataPreview;
    if (typeof n !== 'number') throw optionError(TypeError, 'dataPreview', 'takes a number of bytes', n);
    if (!Number.isInteger(n) || n < 0) throw optionError(RangeError, 'dataPreview', 'takes a whole number of bytes, 0 or more', n);
  }
  if (out.jobs !== undefined) {
    const n = out.jobs;
    if (typeof n !== 'number') throw optionError(TypeError, 'jobs', 'takes a number of threads', n);
    if (!Number.isInteger(n) || n < 1 || n > MAX_JOBS)
      throw optionError(RangeError, 'jobs', `takes a whole number of threads from 1 to ${MAX_JOBS}`, n);
  }
  for (const spec of LIMITS) {
    const n = out[spec.key];
    if (n === undefined) continue;
    if (typeof n !== 'number') throw optionError(TypeError, spec.key, `takes a number (${spec.help})`, n);
    // The same rule as the CLI's ${spec.flag}: a positive number.
    if (!Number.isFinite(n) || n <= 0) throw optionError(RangeError, spec.key, 'takes a positive number', n);
  }
  return defaultOptions(out as Partial<Options>);
}

function resolveEvents(v: unknown): ReadonlySet<EventType> {
  if (v === 'all') return new Set(EVENT_TYPES);
  if (typeof v === 'string' || typeof v !== 'object' || v === null || typeof (v as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw optionError(TypeError, 'events', "takes an array (or Set) of event types, or 'all'", v);
  }
  const set = new Set<EventType>();
  for (const t of v as Iterable<unknown>) {
    if (!(EVENT_TYPES as readonly unknown[]).includes(t)) throw optionError(RangeError, 'events', `takes event types (${EVENT_TYPES.join(', ')})`, t);
    set.add(t as EventType);
  }
  return set;
}
