// Peak RSS and time under hostile input: measured, never asserted. Each case is one input file piped
// through the real command line (`tlsdump --events all FILE`) in its own process, whose peak RSS it reports at
// exit (test/fuzz/rss.ts). Cases: the hostile inputs of test/fuzz/hostile.ts made larger by --scale (a handshake
// message that claims 16 MB and is followed by megabytes of its "body", a line of megabytes, a flood of hex lines
// with no summary, binary junk, a flood of alerts, thousands of flows with holes, thousands of certificates and CA
// names), plus, for comparison, realistic text of about the same size made by bench/gen.ts and tcpdump.
//
// usage: node dist/bench/hostile.js [--scale N] [--dir DIR] [--only SUBSTRING]
// default scale 4 (a 32 MB line, 8 MB of claimed handshake body, 8000 flows with holes, …).

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostileInputs } from '../test/fuzz/hostile.js';
import { generate } from './gen.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

interface Row {
  name: string;
  mb: number;
  seconds: number;
  events: number;
  rssMB: number;
  status: number | null;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** One run of the command line over `file`: time, output lines, peak RSS of the child. */
function measure(name: string, file: string, extra: string[] = []): Promise<Row> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      ['--import', join(root, 'dist', 'test', 'fuzz', 'rss.js'), join(root, 'bin', 'tlsdump.js'), '--events', 'all', ...extra, file],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let events = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) events++;
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('close', (status) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const rss = Number(/tlsdump-peak-rss (\d+)/.exec(err)?.[1] ?? 0);
      resolve({ name, mb: statSync(file).size / 2 ** 20, seconds, events, rssMB: rss / 2 ** 20, status });
    });
  });
}

async function main(): Promise<void> {
  const scale = Number(arg('--scale', '4'));
  const dir = arg('--dir', process.env.BENCH_DIR ?? join(tmpdir(), 'tlsdump-bench-hostile'));
  const only = arg('--only', '');
  mkdirSync(dir, { recursive: true });
  const rows: Row[] = [];
  const inputs = hostileInputs(7, scale).filter((h) => h.name.includes(only));
  for (const [i, h] of inputs.entries()) {
    const file = join(dir, `hostile-${i}.txt`);
    writeFileSync(file, h.input);
    rows.push(await measure(h.name, file));
    process.stderr.write(`  ${h.name}: done\n`);
  }
  if (!only) {
    // Realistic text of about the size of the largest hostile input, for comparison.
    const biggest = Math.max(...inputs.map((h) => h.input.length)) / 2 ** 20;
    const pcap = join(dir, 'realistic.pcap');
    const text = join(dir, 'realistic.txt');
    await generate(pcap, Math.max(1, Math.round(biggest / 4.33)));
    writeFileSync(text, execFileSync('tcpdump', ['-nn', '-XX', '-r', pcap], { maxBuffer: 2 ** 31, stdio: ['ignore', 'pipe', 'ignore'] }));
    rows.push(await measure('realistic -XX text (bench/gen.ts), for comparison', text));
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `### Hostile input (scale ${scale}), ${new Date().toISOString().slice(0, 10)}, ${cpu}, Node ${process.version}`,
    '',
    'Each case: `tlsdump --events all FILE` in its own process, stdout counted; peak RSS of that process. Measured, not asserted.',
    '',
    '| input | MB | seconds | MB/s | events | peak RSS (MB) | exit |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.mb.toFixed(1)} | ${r.seconds.toFixed(2)} | ${(r.mb / r.seconds).toFixed(0)} | ${r.events} | ${r.rssMB.toFixed(0)} | ${r.status} |`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

void main();
