// Test helpers for real captures: where ../shared is, whether tcpdump/tshark are installed, and tcpdump text
// of a capture in any flag variant. Tests that need these skip, saying so, when they are absent.

import { test } from 'uvu';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/** The repository root (tests run from dist/test/…). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

/** ../shared beside the clone: the seed article and the public captures. Absent in a user's fresh clone. */
export const SHARED = resolve(ROOT, '..', 'shared');
export const CAPTURES = join(SHARED, 'captures');
export const haveShared = existsSync(join(SHARED, 'seed')) && existsSync(CAPTURES);

/** The project's own recorded captures. */
export const FIXTURES = join(ROOT, 'test', 'fixtures');

const toolCache = new Map<string, boolean>();
export function haveTool(name: string): boolean {
  let ok = toolCache.get(name);
  if (ok === undefined) {
    ok = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
    toolCache.set(name, ok);
  }
  return ok;
}

const said = new Set<string>();
/** Prints once why a group of tests is skipped. */
export function skipping(why: string): void {
  if (said.has(why)) return;
  said.add(why);
  process.stderr.write(`  skipped: ${why}\n`);
}

type Body = Parameters<typeof test>[1];
/**
 * `test` when `ok`; otherwise a stand-in that registers each test with uvu's `test.skip`, so that the run's closing
 * "Skipped:" line counts it, and says once on stderr why (e.g. "../shared/captures absent").
 */
export function testIf(ok: boolean, why: string): (name: string, body: Body) => void {
  if (ok) return test;
  return (name, body) => {
    skipping(why);
    test.skip(name, body);
  };
}

/** Registers as skipped a group of tests whose cases come from what is absent (e.g. one test per public capture). */
export function skipGroup(ok: boolean, name: string, why: string): void {
  if (!ok) testIf(false, why)(name, () => {});
}

/** tcpdump's text for a capture, e.g. tcpdumpText(f, ['-nn', '-XX']). */
export function tcpdumpText(pcap: string, flags: string[]): Buffer {
  return execFileSync('tcpdump', ['-r', pcap, ...flags], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Every .pcap/.pcapng below a folder, sorted. */
export function captureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captureFiles(p));
    else if (/\.(pcap|pcapng)$/.test(name)) out.push(p);
  }
  return out;
}
