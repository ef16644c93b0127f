// Damage for real captures, the way networks and capture points damage them: reordering, duplicates, missing
// SYNs, sequence numbers near 2^32, a lost segment, a conflicting overlap. Deterministic (seeded).

import { ACK, SYN, type Packet } from '../../lib/events.js';

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each window of `n` consecutive items reversed (the last window may be shorter). */
export function reverseWindows<T>(items: readonly T[], n = 3): T[] {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...items.slice(i, i + n).reverse());
  return out;
}

/** About `share` of the items appear twice, the copy 0 to 2 places later. */
export function duplicate<T>(items: readonly T[], share = 0.1, seed = 7, copy: (x: T) => T = (x) => x): T[] {
  const rnd = prng(seed);
  const out: T[] = [...items];
  for (let i = items.length - 1; i >= 0; i--) {
    if (rnd() < share) out.splice(Math.min(out.length, i + 1 + Math.floor(rnd() * 3)), 0, copy(items[i]!));
  }
  return out;
}

export function withoutSyns(ps: readonly Packet[]): Packet[] {
  return ps.filter((p) => !(p.flags & SYN));
}

function dirKey(p: Packet): string {
  return `${p.src}|${p.sport}|${p.dst}|${p.dport}`;
}

function revKey(p: Packet): string {
  return `${p.dst}|${p.dport}|${p.src}|${p.sport}`;
}

/** Every direction's sequence numbers moved so that its first one sits `before` below 2^32 (acks follow). */
export function nearWrap(ps: readonly Packet[], before = 700): Packet[] {
  const shift = new Map<string, number>();
  for (const p of ps) if (!shift.has(dirKey(p))) shift.set(dirKey(p), (2 ** 32 - before - p.seq) >>> 0);
  return ps.map((p) => {
    const q = { ...p, seq: (p.seq + shift.get(dirKey(p))!) >>> 0 };
    const r = shift.get(revKey(p));
    if (p.flags & ACK && r !== undefined) q.ack = (p.ack + r) >>> 0;
    return q;
  });
}

/** Positions of a packet's bytes in its direction, counted from the direction's first sequence number. */
export interface Located {
  index: number;
  p: Packet;
  dir: string;
  start: number;
  end: number;
}

export function locate(ps: readonly Packet[]): Located[] {
  const base = new Map<string, number>();
  const out: Located[] = [];
  ps.forEach((p, index) => {
    const k = dirKey(p);
    if (!base.has(k)) base.set(k, p.flags & SYN ? (p.seq + 1) >>> 0 : p.seq);
    if (p.len === 0 || p.flags & SYN) return;
    const start = (p.seq - base.get(k)!) | 0;
    out.push({ index, p, dir: k, start, end: start + p.len });
  });
  return out;
}

/**
 * A data segment that can be dropped cleanly: fully captured, no other packet carries any of its bytes, and
 * later bytes of its direction follow. Prefers the middle one of the direction with the most segments.
 */
export function droppable(ps: readonly Packet[], wantDir?: (p: Packet) => boolean): Located | undefined {
  const all = locate(ps);
  const byDir = new Map<string, Located[]>();
  for (const l of all) {
    const list = byDir.get(l.dir) ?? [];
    list.push(l);
    byDir.set(l.dir, list);
  }
  const dirs = [...byDir.values()].filter((l) => !wantDir || wantDir(l[0]!.p)).sort((a, b) => b.length - a.length);
  for (const list of dirs) {
    const ok = list.filter((l) => {
      if (l.p.truncated || l.p.payload.length !== l.p.len) return false;
      if (list.some((o) => o !== l && o.start < l.end && o.end > l.start)) return false;
      return list.some((o) => o.start === l.end);
    });
    if (ok.length > 0) return ok[Math.floor(ok.length / 2)];
  }
  return undefined;
}
