// The mutation fuzzer's loop, shared by the CI test (fixed seed, few cases) and `npm run fuzz` (random
// seeds, as many cases as time allows): mutate real capture text, run it through the whole pipeline in-process
// with every event type, check the invariants, and describe any failure with the seed that reproduces it.

import type { Event } from '../../lib/events.js';
import { HexCursor, parseHexGroups, parseHexOffset } from '../../lib/text/hex.js';
import { isHexLine, mutate, splitLines, type Expect, type Mutant, type Mutation } from './mutate.js';
import { ALL_EVENTS, CASE_BUDGET_MS, checkEvents, decodeCase, describe, lineCount, Rng } from './support.js';

export interface FuzzFailure {
  seed: number;
  kinds: string[];
  problem: string;
  input: Buffer;
}

export interface FuzzStats {
  cases: number;
  bytes: number;
  events: number;
  slowestMs: number;
  failures: FuzzFailure[];
}

/** A line the text stage reads as a hex line (an offset, then hex groups or nothing), as TextPackets.hexLine does. */
function readsAsHex(l: Buffer): boolean {
  let p = 0;
  while (p < l.length && (l[p] === 32 || l[p] === 9)) p++;
  if (l[p] !== 48 || l[p + 1] !== 120) return false;
  const hc = new HexCursor();
  if (!parseHexOffset(l, p, l.length, hc)) return false;
  return parseHexGroups(l, hc.pos, l.length, new Uint8Array(32), 0, Math.max(1, 8 - hc.skippedGroups)) >= 0;
}

/** Whether the expectation's precondition still holds in the final text (a later mutation may have moved lines). */
function stillExpected(lines: Buffer[], e: Expect): boolean {
  const l = lines[e.line - 1];
  if (!l) return false;
  if (e.line === 1) return true;
  const before = lines[e.line - 2]!;
  if (!readsAsHex(before)) return false;
  // A hex flood's first line must start a block of its own (offset 0 after a line at another offset).
  if (e.codes.includes('*packet') && !isHexLine(l)) return false;
  return true;
}

/** Checks one mutant's output; returns the problem, or undefined. */
export function checkMutant(m: Mutant, events: Event[], ms: number): string | undefined {
  if (ms > CASE_BUDGET_MS) return `took ${Math.round(ms)} ms (budget ${CASE_BUDGET_MS} ms)`;
  const lines = lineCount(m.input);
  const bad = checkEvents(events, { lines });
  if (bad) return bad;
  if (m.expect.length > 0) {
    const split = splitLines(m.input);
    for (const e of m.expect) {
      if (!stillExpected(split, e)) continue;
      const hit = events.some(
        (ev) =>
          ev.line === e.line &&
          ((ev.type === 'anomaly' && e.codes.includes(String(ev.code))) || (ev.type === 'packet' && e.codes.includes('*packet'))),
      );
      if (!hit) {
        const near = events
          .filter((ev) => ev.line !== undefined && Math.abs(ev.line - e.line) <= 2)
          .map((ev) => `${ev.type}${ev.code ? ' ' + String(ev.code) : ''}@${ev.line}`);
        return `line ${e.line} was damaged (${e.codes.join(' or ')} expected) but no such event has that line; events near it: ${near.join(', ') || 'none'}`;
      }
    }
  }
  return undefined;
}

export interface FuzzConfig {
  /** Real texts to start from. */
  bases: Buffer[];
  kinds: readonly Mutation[];
  /** Most mutations stacked on one case. */
  maxMutations: number;
  /** Also decode in random chunks and require the same events. */
  chunkEvery: number;
}

/** Runs `cases` mutants from `seed`. Each case gets its own seed (seed + i) so that a failure replays alone. */
export function fuzzText(seed: number, cases: number, cfg: FuzzConfig, stopAt = Infinity): FuzzStats {
  const stats: FuzzStats = { cases: 0, bytes: 0, events: 0, slowestMs: 0, failures: [] };
  for (let i = 0; i < cases && Date.now() < stopAt; i++) {
    const caseSeed = (seed + i) >>> 0;
    const f = fuzzOne(caseSeed, cfg, stats);
    if (f) stats.failures.push(f);
  }
  return stats;
}

/** One case from its own seed: mutate, decode (whole and, sometimes, chunked), check. */
export function fuzzOne(caseSeed: number, cfg: FuzzConfig, stats?: FuzzStats): FuzzFailure | undefined {
  const rng = new Rng(caseSeed);
  const base = rng.pick(cfg.bases);
  const m = mutate(rng, base, cfg.bases, cfg.kinds, 1 + rng.int(cfg.maxMutations), ALL_EVENTS.maxLineBytes);
  let events: Event[];
  let ms: number;
  try {
    ({ events, ms } = decodeCase(m.input));
  } catch (err) {
    return { seed: caseSeed, kinds: m.kinds, problem: `threw ${(err as Error).stack ?? String(err)}`, input: m.input };
  }
  if (stats) {
    stats.cases++;
    stats.bytes += m.input.length;
    stats.events += events.length;
    stats.slowestMs = Math.max(stats.slowestMs, ms);
  }
  const problem = checkMutant(m, events, ms);
  if (problem) return { seed: caseSeed, kinds: m.kinds, problem, input: m.input };
  if (cfg.chunkEvery > 0 && rng.int(cfg.chunkEvery) === 0) {
    const chunk = 1 + rng.int(rng.int(2) === 0 ? 64 : 8192);
    try {
      const again = decodeCase(m.input, chunk).events;
      const a = stable(events);
      const b = stable(again);
      if (a !== b) {
        const at = firstDifference(events, again);
        return {
          seed: caseSeed,
          kinds: m.kinds,
          problem: `in chunks of ${chunk} bytes the events differ from event ${at}: ${JSON.stringify(events[at])} vs ${JSON.stringify(again[at])}`,
          input: m.input,
        };
      }
    } catch (err) {
      return { seed: caseSeed, kinds: m.kinds, problem: `in chunks of ${chunk} bytes: threw ${(err as Error).stack ?? String(err)}`, input: m.input };
    }
  }
  return undefined;
}

/**
 * Events as JSON, with ISO times left out: a certificate's validity is judged against now when the capture has
 * no date, and the diagnosis message prints that wall-clock time (with milliseconds unless they are 0).
 */
function stable(evs: Event[]): string {
  return JSON.stringify(evs).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?Z/g, 'TIME');
}

function firstDifference(a: Event[], b: Event[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (stable([a[i]!]) !== stable([b[i]!])) return i;
  return n;
}

/** One line per failure, with the seed to replay it (FUZZ_REPLAY=<seed> npm run fuzz). */
export function report(f: FuzzFailure): string {
  return `seed ${f.seed} [${f.kinds.join(', ')}]: ${f.problem}\n    input: ${describe(f.input)}`;
}
