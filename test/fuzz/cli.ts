// Runs tlsdump's command line in a child process with a time budget, and checks what it wrote: exit
// status 0, no signal, nothing on stderr, every stdout line one JSON object with no lone surrogate. Shared by
// cli.test.ts and `npm run fuzz`.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/shared.js';
import { hasLoneSurrogate } from './support.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');
/** The bound for one run: no input may take longer. */
const CLI_BUDGET_MS = 60_000;

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(input: Buffer, args: string[] = ['--events', 'all']): CliRun {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { input, cwd: ROOT, timeout: CLI_BUDGET_MS, maxBuffer: 1 << 30 });
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout?.toString('utf8') ?? '',
    stderr: r.stderr?.toString('utf8') ?? '',
    ms: Date.now() - t0,
  };
}

/** The command-line invariants; returns the first broken one. */
export function cliProblem(r: CliRun): string | undefined {
  if (r.signal) return `killed by ${r.signal} after ${r.ms} ms (time budget ${CLI_BUDGET_MS} ms)`;
  if (r.status !== 0) return `exit status ${r.status}; stderr: ${r.stderr.slice(0, 300)}`;
  if (r.stderr !== '') return `stderr is not empty: ${r.stderr.slice(0, 300)}`;
  const lines = r.stdout.split('\n');
  if (lines.pop() !== '') return 'stdout does not end with a newline';
  for (let i = 0; i < lines.length; i++) {
    let v: unknown;
    try {
      v = JSON.parse(lines[i]!);
    } catch {
      return `stdout line ${i + 1} is not JSON: ${lines[i]!.slice(0, 200)}`;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `stdout line ${i + 1} is not a JSON object`;
    if (hasLoneSurrogate(lines[i]!) || /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i.test(lines[i]!)) return `stdout line ${i + 1} holds a lone surrogate`;
  }
  return undefined;
}
