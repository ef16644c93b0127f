// Mutations of real tcpdump text for the fuzzers: bit flips, changed hex digits, inserted and deleted
// bytes, truncation, binary junk lines, lines of megabytes, floods of hex lines with no summary, packets of two
// captures interleaved, lines dropped, repeated, swapped or spliced in from another capture, line endings
// changed. Each mutant says which anomalies it must give (a skipped region at a known line), when that is
// certain from the mutation alone.

import type { Rng } from './support.js';

export interface Expect {
  /** The 1-based line where the damage starts. */
  line: number;
  /** Codes, any of which reports it. */
  codes: readonly string[];
}

export interface Mutant {
  kinds: string[];
  input: Buffer;
  expect: Expect[];
}

export const MUTATIONS = [
  'bitflip',
  'hexdigit',
  'insert',
  'delete',
  'truncate',
  'junkline',
  'megaline',
  'hexflood',
  'interleave',
  'lines',
  'splice',
  'newlines',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** The text split into lines (without their '\n'). */
export function splitLines(text: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (;;) {
    const nl = text.indexOf(10, from);
    if (nl < 0) {
      if (from < text.length) out.push(text.subarray(from));
      return out;
    }
    out.push(text.subarray(from, nl));
    from = nl + 1;
  }
}

export function joinLines(lines: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const l of lines) parts.push(l, NL);
  return Buffer.concat(parts);
}

const NL = Buffer.from('\n');

/** A hex line of tcpdump (`\t0x0010:  …`). */
export function isHexLine(l: Buffer): boolean {
  let i = 0;
  while (i < l.length && (l[i] === 9 || l[i] === 32)) i++;
  return l[i] === 48 && l[i + 1] === 120 && l.indexOf(58, i) > i;
}

/** A summary line: starts with a digit (a timestamp) or `IP` (tcpdump -t). */
export function isSummaryLine(l: Buffer): boolean {
  const c = l[0];
  return (c !== undefined && c >= 48 && c <= 57) || (l[0] === 73 && l[1] === 80);
}

/** Packets as blocks of lines: a summary line and the lines up to the next summary. */
export function packetBlocks(lines: Buffer[]): Buffer[][] {
  const blocks: Buffer[][] = [];
  for (const l of lines) {
    if (isSummaryLine(l) || blocks.length === 0) blocks.push([l]);
    else blocks[blocks.length - 1]!.push(l);
  }
  return blocks;
}

/** A line that nothing reads as tcpdump output: it starts with a control or 8-bit byte and holds no newline. */
export function junkLine(rng: Rng, length: number): Buffer {
  const b = rng.bytes(length);
  for (let i = 0; i < b.length; i++) if (b[i] === 10 || b[i] === 13) b[i] = 0;
  b[0] = rng.pick([1, 2, 7, 0x1b, 0x7f, 0x80, 0xc3, 0xe2, 0xf0, 0xff]);
  return b;
}

const HEXDIGITS = Buffer.from('0123456789abcdef');

/**
 * Applies `count` mutations drawn from `kinds` to `base`. `others` are further real texts, for interleaving and
 * splicing. Expectations are kept only for mutations applied last-to-first where line numbers stay exact: each
 * line-inserting mutation shifts the expectations below it.
 */
export function mutate(rng: Rng, base: Buffer, others: Buffer[], kinds: readonly Mutation[], count: number, maxLineBytes: number): Mutant {
  let text = base;
  let expect: Expect[] = [];
  const applied: string[] = [];
  for (let k = 0; k < count; k++) {
    const kind = rng.pick(kinds);
    applied.push(kind);
    const r = apply(rng, kind, text, others, maxLineBytes);
    text = r.text;
    // Byte-level damage may move or merge lines: expectations from before are dropped then.
    expect = r.keepsLines ? shift(expect, r.inserted) : [];
    expect.push(...r.expect);
  }
  return { kinds: applied, input: text, expect };
}

interface Applied {
  text: Buffer;
  expect: Expect[];
  /** Lines stay whole (only whole lines were inserted: `inserted` is [the 1-based line of the first, count]). */
  keepsLines: boolean;
  inserted?: [number, number];
}

function shift(expect: Expect[], inserted: [number, number] | undefined): Expect[] {
  if (!inserted) return expect;
  const [at, n] = inserted;
  return expect.map((e) => (e.line >= at ? { line: e.line + n, codes: e.codes } : e));
}

function apply(rng: Rng, kind: Mutation, text: Buffer, others: Buffer[], maxLineBytes: number): Applied {
  switch (kind) {
    case 'bitflip': {
      const t = Buffer.from(text);
      for (let n = 1 + rng.int(16); n > 0 && t.length > 0; n--) {
        const i = rng.int(t.length);
        t[i] = t[i]! ^ (1 << rng.int(8));
      }
      return { text: t, expect: [], keepsLines: false };
    }
    case 'hexdigit': {
      // Changes bytes inside hex lines only: the text stays well formed, the packets' bytes do not.
      const lines = splitLines(text).map((l) => Buffer.from(l));
      const hex = lines.map((l, i) => (isHexLine(l) ? i : -1)).filter((i) => i >= 0);
      for (let n = 1 + rng.int(40); n > 0 && hex.length > 0; n--) {
        const l = lines[rng.pick(hex)]!;
        const colon = l.indexOf(58);
        const span = Math.min(l.length, colon + 3 + 39);
        if (span <= colon + 3) continue;
        const p = colon + 3 + rng.int(span - colon - 3);
        if (HEXDIGITS.includes(l[p]!)) l[p] = rng.pick([...HEXDIGITS]);
      }
      return { text: joinLines(lines), expect: [], keepsLines: true };
    }
    case 'insert': {
      const at = rng.int(text.length + 1);
      const junk = rng.bytes(1 + rng.int(64));
      return { text: Buffer.concat([text.subarray(0, at), junk, text.subarray(at)]), expect: [], keepsLines: false };
    }
    case 'delete': {
      const at = rng.int(text.length + 1);
      const n = 1 + rng.int(64);
      return { text: Buffer.concat([text.subarray(0, at), text.subarray(at + n)]), expect: [], keepsLines: false };
    }
    case 'truncate':
      return { text: text.subarray(0, rng.int(text.length + 1)), expect: [], keepsLines: false };
    case 'junkline':
    case 'megaline': {
      // After a hex line, a line that is not tcpdump output must be reported at its own line.
      const lines = splitLines(text);
      const afterHex = lines.map((l, i) => (isHexLine(l) ? i + 1 : -1)).filter((i) => i >= 0);
      const at = afterHex.length > 0 ? rng.pick(afterHex) : rng.int(lines.length + 1);
      const long = kind === 'megaline';
      const len = long ? maxLineBytes + 1 + rng.int(3 << 20) : 1 + rng.int(200);
      const line = long && rng.int(2) === 0 ? Buffer.alloc(len, rng.pick(['A', '0', ' ', '\t', 'x'])) : junkLine(rng, len);
      if (long) line[0] = 0x41;
      lines.splice(at, 0, line);
      const sure = afterHex.length > 0;
      const codes = long ? ['input.line_too_long'] : ['input.unparsed'];
      return { text: joinLines(lines), expect: sure ? [{ line: at + 1, codes }] : [], keepsLines: true, inserted: [at + 1, 1] };
    }
    case 'hexflood': {
      // Thousands of hex lines with no summary line: blocks from offset 0 of random bytes.
      const lines = splitLines(text);
      const at = rng.int(lines.length + 1);
      const n = 100 + rng.int(5000);
      const flood: Buffer[] = [];
      let off = 0;
      for (let i = 0; i < n; i++) {
        if (rng.int(64) === 0) off = 0;
        const b = rng.bytes(16);
        if (off === 0) {
          // Random bytes, except that no link type reads an IP packet, a known non-IP protocol or an IP fragment of
          // some other protocol (those are skipped by design): the first byte is no IP version, and every place a
          // link type reads its protocol from holds an unassigned one (SLL2 bytes 0-1, PPPoE's PPP protocol
          // bytes 6-7, Ethernet's EtherType 12-13, SLL's 14-15).
          b.set([0x12, 0x34], 0);
          b.set([0x56, 0x78], 6);
          b.set([0x12, 0x34], 12);
          b.set([0x12, 0x34], 14);
        }
        const groups: string[] = [];
        for (let g = 0; g < 8; g++) groups.push(b.subarray(2 * g, 2 * g + 2).toString('hex'));
        flood.push(Buffer.from(`\t0x${off.toString(16).padStart(4, '0')}:  ${groups.join(' ')}`));
        off += 16;
      }
      lines.splice(at, 0, ...flood);
      // Its first line opens a block that is either decoded as a packet or reported at that line.
      return {
        text: joinLines(lines),
        expect: [{ line: at + 1, codes: ['input.undecodable', 'input.truncated', 'input.orphan_hex', 'ip.fragment', '*packet'] }],
        keepsLines: true,
        inserted: [at + 1, n],
      };
    }
    case 'interleave': {
      const other = others.length > 0 ? rng.pick(others) : text;
      const a = packetBlocks(splitLines(text));
      const b = packetBlocks(splitLines(other));
      const out: Buffer[] = [];
      let i = 0;
      let j = 0;
      while (i < a.length || j < b.length) {
        if (j >= b.length || (i < a.length && rng.int(2) === 0)) out.push(...a[i++]!);
        else out.push(...b[j++]!);
      }
      return { text: joinLines(out), expect: [], keepsLines: false };
    }
    case 'lines': {
      const lines = splitLines(text);
      for (let n = 1 + rng.int(8); n > 0 && lines.length > 1; n--) {
        const i = rng.int(lines.length);
        const j = rng.int(lines.length);
        const op = rng.int(3);
        if (op === 0) lines.splice(i, 1);
        else if (op === 1) lines.splice(i, 0, lines[i]!);
        else [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      return { text: joinLines(lines), expect: [], keepsLines: false };
    }
    case 'splice': {
      const other = splitLines(others.length > 0 ? rng.pick(others) : text);
      const from = rng.int(other.length);
      const piece = other.slice(from, from + 1 + rng.int(60));
      const lines = splitLines(text);
      lines.splice(rng.int(lines.length + 1), 0, ...piece);
      return { text: joinLines(lines), expect: [], keepsLines: false };
    }
    case 'newlines': {
      const lines = splitLines(text);
      const ends = [Buffer.from('\n'), Buffer.from('\r\n'), Buffer.from('\r'), Buffer.from('\n\n')];
      const mode = rng.int(3);
      const parts: Buffer[] = [];
      for (const l of lines) parts.push(l, mode === 0 ? ends[1]! : mode === 1 ? rng.pick(ends) : rng.int(50) === 0 ? ends[2]! : ends[0]!);
      return { text: Buffer.concat(parts), expect: [], keepsLines: false };
    }
  }
}
