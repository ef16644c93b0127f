// Shared pieces of the fuzzers: the seed and run counts (fixed in CI, raised by `npm run fuzz`), a small
// seeded PRNG for the mutation fuzzer, the real capture text it starts from, and the invariants every output must
// keep whatever the input was.

import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { createDecoder, decodeAll } from '../../lib/pipeline.js';
import { defaultOptions, type Options } from '../../lib/options.js';
import { FIXTURES, haveTool, tcpdumpText } from '../support/shared.js';

/** The seed of every fuzzer in this run: 42 in CI, FUZZ_SEED when given (npm run fuzz picks a random one). */
export const SEED = Number(process.env.FUZZ_SEED ?? 42);
/** Scales the number of cases: 1 in CI, FUZZ_RUNS / the CI count when `npm run fuzz` asks for more. */
export const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE ?? 1));
/** Longest a single in-process case may take before it counts as a hang (a command-line run may take 60 s,
 * test/fuzz/cli.ts). */
export const CASE_BUDGET_MS = Number(process.env.FUZZ_CASE_MS ?? 10_000);

fc.configureGlobal({ seed: SEED, numRuns: Math.round(100 * SCALE), includeErrorInReport: true });

/** Cases for a fuzzer that runs `n` cases in CI. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * SCALE));
}

/** A seeded PRNG (mulberry32): the same seed gives the same mutations on every machine. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** Every event type on. */
export const ALL_EVENTS: Readonly<Options> = defaultOptions({ events: new Set(EVENT_TYPES) });

export const haveFixtures = haveTool('tcpdump') && existsSync(join(FIXTURES, 'tls12-rsa.pcap'));

const textCache = new Map<string, Buffer>();
/** tcpdump's text of one of test/fixtures/NAME.pcap (cached per run). */
export function fixtureText(name: string, flags: string[]): Buffer {
  const key = `${name} ${flags.join(' ')}`;
  let t = textCache.get(key);
  if (!t) {
    t = tcpdumpText(join(FIXTURES, `${name}.pcap`), flags);
    textCache.set(key, t);
  }
  return t;
}

/** Captures the CI run mutates: small ones of every kind (TLS 1.0-1.3, mTLS, resumption, alerts, IPv6). */
export const FUZZ_CAPTURES = ['tls12-rsa', 'tls13', 'mtls12-ok', 'mtls13-wrongca', 'resume12-ticket', 'ipv6-tls12', 'no-shared-cipher', 'tls10'];

/** The tcpdump flag sets the mutation fuzzer starts from: each hex form (-x, -xx, -X, -XX), with -vv and -tt. */
export const FLAG_SETS: readonly string[][] = [
  ['-nn', '-XX'],
  ['-nn', '-x'],
  ['-nn', '-vv', '-X'],
  ['-nn', '-tt', '-xx'],
];

/** Lines in a text input, counting a last line without a newline. */
export function lineCount(input: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < input.length; i++) if (input[i] === 10) n++;
  if (input.length > 0 && input[input.length - 1] !== 10) n++;
  return n;
}

/** A string holds a UTF-16 surrogate that is not half of a pair. */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * Checks that a value is plain JSON data as JSON.stringify would keep it without loss: strings with no lone
 * surrogate, finite numbers, booleans, null, arrays and objects whose prototype is Object.prototype (or null).
 * No undefined inside arrays, no functions, no typed arrays, no keys that JSON would turn into something else.
 */
export function plainJson(v: unknown, path: string): string | undefined {
  if (v === null || typeof v === 'boolean') return undefined;
  if (typeof v === 'string') return hasLoneSurrogate(v) ? `${path}: a lone surrogate in ${JSON.stringify(v)}` : undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${path}: the number ${v}`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined) return `${path}[${i}]: undefined in an array`;
      const e = plainJson(v[i], `${path}[${i}]`);
      if (e) return e;
    }
    return undefined;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return `${path}: an object of class ${(v as object).constructor?.name ?? '?'}`;
    for (const k of Object.keys(v)) {
      if (hasLoneSurrogate(k)) return `${path}: a key with a lone surrogate`;
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue; // JSON leaves it out, as intended by the stages that set optional fields
      const e = plainJson(x, `${path}.${k}`);
      if (e) return e;
    }
    return undefined;
  }
  return `${path}: a ${typeof v}`;
}

export interface CheckOptions {
  /** Lines in the input (text), for the range of `line`. */
  lines: number;
}

/**
 * The output invariants for in-process runs: every event is one plain JSON object whose serialisation is
 * one line; its type is known; `line` (when present) is an integer within the input; every anomaly has a code, a
 * message and a line. Returns the first violation, or undefined.
 */
export function checkEvents(events: readonly Event[], o: CheckOptions): string | undefined {
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    const what = `event ${i} (${ev.type}${ev.type === 'anomaly' ? ' ' + String(ev.code) : ''})`;
    if (!(EVENT_TYPES as readonly string[]).includes(ev.type)) return `${what}: unknown type`;
    const bad = plainJson(ev, what);
    if (bad) return bad;
    const s = JSON.stringify(ev);
    if (s.includes('\n') || s.includes('\r')) return `${what}: its JSON spans lines`;
    const back = JSON.parse(s) as unknown;
    if (typeof back !== 'object' || back === null || Array.isArray(back)) return `${what}: not a JSON object`;
    if (ev.line !== undefined && (!Number.isInteger(ev.line) || ev.line < 1 || ev.line > Math.max(1, o.lines))) {
      return `${what}: line ${ev.line} outside 1..${o.lines}`;
    }
    if (ev.type === 'anomaly') {
      if (typeof ev.code !== 'string' || !/^[a-z0-9]+(\.[a-z0-9_]+)+$/.test(ev.code)) return `${what}: code ${JSON.stringify(ev.code)}`;
      if (typeof ev.message !== 'string' || ev.message.length === 0) return `${what}: no message`;
      if (ev.line === undefined) return `${what}: no line number`;
    }
  }
  return undefined;
}

export interface CaseResult {
  events: Event[];
  ms: number;
}

/** Runs one input through the whole pipeline with every event type, in chunks of `chunk` bytes (0: at once). */
export function decodeCase(input: Uint8Array, chunk = 0, options: Readonly<Options> = ALL_EVENTS): CaseResult {
  const t0 = performance.now();
  let events: Event[];
  if (chunk <= 0) events = decodeAll(input, options);
  else {
    // decodeAll takes one buffer; chunked runs go through the same core by pushing slices.
    events = decodeChunked(input, chunk, options);
  }
  return { events, ms: performance.now() - t0 };
}

function decodeChunked(input: Uint8Array, chunk: number, options: Readonly<Options>): Event[] {
  const events: Event[] = [];
  const d = createDecoder(options, (ev) => events.push(ev));
  for (let i = 0; i < input.length; i += chunk) d.push(input.subarray(i, i + chunk));
  d.end();
  return events;
}

/** Anomaly codes of a run, for messages. */
export function codesOf(events: readonly Event[]): string[] {
  return events.filter((e) => e.type === 'anomaly').map((e) => String(e.code));
}

/** A short description of an input for failure messages, and where to find it again. */
export function describe(input: Uint8Array): string {
  const head = Buffer.from(input.subarray(0, 120))
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return `${input.length} bytes, ${lineCount(input)} lines, starting ${JSON.stringify(head)}`;
}
