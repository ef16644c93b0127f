// Truncation at every offset of a small real capture: the first lines of a recorded TLS connection as
// tcpdump prints it (-XX, -x, -vv -X, -e -vv -XX, -tttt -v -xx), cut at every line boundary and at every byte of
// several lines (summary lines, -v continuation lines, hex lines, the ASCII column). Every cut input keeps the
// output invariants, and when the cut takes bytes from the last packet (or the whole of it but its summary), an
// anomaly says so at that packet's line.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event } from '../../lib/events.js';
import { decodeAll } from '../../lib/pipeline.js';
import { testIf } from '../support/shared.js';
import { isHexLine, splitLines } from './mutate.js';
import { ALL_EVENTS, checkEvents, fixtureText, haveFixtures, lineCount, SCALE } from './support.js';

/** A line that tcpdump printed as a packet's summary: a timestamp (or `IP`) and then text with a space in it. */
function looksLikeSummary(l: Buffer): boolean {
  const s = l.toString('latin1');
  return /^(\d[\d:.\- ]*\d )?(IP6? |[0-9a-f]{2}(:[0-9a-f]{2}){5} )/.test(s);
}

interface Outcome {
  cuts: number;
  problems: string[];
}

function truncateEverywhere(name: string, flags: string[], lineLimit: number, byteLines: number[]): Outcome {
  const full = fixtureText(name, flags);
  const lines = splitLines(full);
  const starts: number[] = [];
  let off = 0;
  for (const l of lines) {
    starts.push(off);
    off += l.length + 1;
  }
  const fullEvents = decodeAll(full, ALL_EVENTS);
  const packetAt = new Map<number, Event>();
  for (const e of fullEvents) if (e.type === 'packet' && e.line !== undefined) packetAt.set(e.line, e);
  const cuts = new Set<number>();
  for (let i = 0; i <= Math.min(lines.length, lineLimit); i++) cuts.add(starts[i] ?? full.length);
  for (const li of byteLines) if (lines[li]) for (let b = 0; b <= lines[li]!.length; b++) cuts.add(starts[li]! + b);
  const problems: string[] = [];
  for (const cut of cuts) {
    const t = full.subarray(0, cut);
    let events: Event[];
    try {
      events = decodeAll(t, ALL_EVENTS);
    } catch (err) {
      problems.push(`${name} ${flags.join(' ')} cut at ${cut}: threw ${(err as Error).message}`);
      continue;
    }
    const bad = checkEvents(events, { lines: lineCount(t) });
    if (bad) {
      problems.push(`${name} ${flags.join(' ')} cut at ${cut}: ${bad}`);
      continue;
    }
    // The packet the cut falls in: the last summary line before it.
    const tl = splitLines(t);
    let L = 0;
    for (let i = 0; i < tl.length; i++) if (looksLikeSummary(tl[i]!)) L = i + 1;
    if (L === 0) continue;
    const want = packetAt.get(L);
    const got = events.find((e) => e.type === 'packet' && e.line === L);
    // Nothing of it was lost: it came out as it does from the whole text (the cut fell in its ASCII column, or
    // after its last byte).
    if (want && got && got.captured === want.captured && got.len === want.len) continue;
    if (!events.some((e) => e.type === 'anomaly' && e.line === L)) {
      const last = tl[tl.length - 1]!.toString('latin1').slice(0, 70);
      problems.push(
        `${name} ${flags.join(' ')} cut at ${cut} (${isHexLine(tl[tl.length - 1]!) ? 'hex' : 'text'} line ${tl.length} ${JSON.stringify(last)}): the packet at line ${L} lost bytes and no anomaly has its line`,
      );
    }
  }
  return { cuts: cuts.size, problems };
}

{
  const fixtureTest = testIf(haveFixtures, 'fuzz/truncate: tcpdump or the own fixtures are absent');
  const variants: [string, string[]][] = [
    ['tls12-rsa', ['-nn', '-XX']],
    ['tls12-rsa', ['-nn', '-x']],
    ['tls12-rsa', ['-nn', '-vv', '-X']],
    ['tls12-rsa', ['-nn', '-e', '-vv', '-XX']],
    ['tls12-rsa', ['-nn', '-tttt', '-v', '-xx']],
    ['tls13', ['-nn', '-tt', '-XX']],
  ];
  for (const [name, flags] of variants) {
    fixtureTest(
      `truncate: ${name} as tcpdump ${flags.join(' ')} prints it, cut at every line boundary and every byte of a summary, a -v line, hex lines and an ASCII column`,
      () => {
        // Lines 0-1: the first packet's summary (and -v continuation); 7-8: the second; 20 and 40: hex lines in the
        // middle of the certificate flight.
        const r = truncateEverywhere(name, flags, Math.round(80 * SCALE), [0, 1, 2, 7, 8, 20, 40]);
        assert.ok(r.cuts > 250, `${r.cuts} cuts`);
        assert.equal(r.problems.slice(0, 5), [], `${r.problems.length} of ${r.cuts} cuts broke an invariant`);
      },
    );
  }
}

test.run();
