// The benchmark run: generates a capture of each size (pcap, then tcpdump's own -XX text of it), measures every
// case in its own process (bench/measure.ts) on the text and on the pcap, times the command line itself
// (`node bin/tlsdump.js --events all FILE > /dev/null`) and tshark on the same pcap, each the best of --repeat
// runs, and writes bench/RESULTS.md: the tables, where the time goes, and how far each goal is.
//
// usage: node dist/bench/run.js [TEXT_MB ...] [--repeat N] [--cases a,b,…] [--pcap-cases a,b,…] [--dir DIR]
//                               [--seed N] [--bulk MIN-MAX] [--out FILE]
// default: one run at 870 MB of text (a 200 MB pcap), best of 3. BENCH_DIR or --dir says where the generated
// files go (default: the temporary directory); an existing capture of the same size and seed is reused.

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BULK_DEFAULT, generate, type BulkSize } from './gen.js';

/** The -XX text of a capture is about this many times larger than its pcap (measured: 4.33–4.35). */
const TEXT_PER_PCAP = 4.33;

/** RESULTS.md from this line on is written by hand from other benchmarks; run.ts keeps it. */
const KEPT = '<!-- kept by run.ts -->';

const TEXT_CASES = ['read', 'split2', 'lines', 'packets', 'flows', 'records', 'decode', 'all', 'all-ndjson-pkg', 'stringify', 'stringify-ndjson-pkg'];
const PCAP_CASES = ['read', 'packets', 'flows', 'records', 'decode', 'all'];

/** tshark's work for the comparison: TCP reassembly and the TLS fields tlsdump reports, as text to /dev/null. */
const TSHARK_FIELDS = [
  'tls.record.content_type',
  'tls.record.length',
  'tls.handshake.type',
  'tls.handshake.ciphersuite',
  'tls.handshake.extensions_server_name',
  'tls.alert_message.desc',
  'tls.handshake.certificate',
];

interface Result {
  case: string;
  input: 'text' | 'pcap';
  seconds: number;
  /** Every run's time, for the spread. */
  runs: number[];
  maxRssMB: number;
  items: number;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

/** Runs `once` `repeat` times; the best time, the highest peak RSS. */
function best(repeat: number, once: () => Omit<Result, 'runs'>): Result {
  const all: Omit<Result, 'runs'>[] = [];
  for (let i = 0; i < repeat; i++) all.push(once());
  const fastest = all.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return { ...fastest, runs: all.map((r) => r.seconds), maxRssMB: Math.max(...all.map((r) => r.maxRssMB)) };
}

function measure(name: string, file: string, input: 'text' | 'pcap'): Omit<Result, 'runs'> {
  const out = execFileSync(process.execPath, [join(here, 'measure.js'), name, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; items: number; maxRssMB: number };
  return { case: name, input, seconds: r.seconds, items: r.items, maxRssMB: r.maxRssMB };
}

/** A command timed as a process from spawn to exit, stdout to /dev/null; peak RSS from GNU time. */
function timed(name: string, input: 'text' | 'pcap', cmd: string, args: string[]): Omit<Result, 'runs'> {
  const devnull = openSync('/dev/null', 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(devnull);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const rssKB = Number((r.stderr ?? '').trim().split('\n').pop());
  return { case: name, input, seconds, items: 0, maxRssMB: rssKB / 1024 };
}

const have = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

function row(r: Result, textBytes: number, pcapBytes: number, packets: number): string {
  const mbps = (textBytes / 1e6 / r.seconds).toFixed(0);
  const pcapMbps = r.input === 'pcap' ? (pcapBytes / 1e6 / r.seconds).toFixed(0) : '';
  const pps =
    packets && !['read', 'split2', 'lines', 'stringify', 'stringify-ndjson-pkg'].includes(r.case)
      ? Math.round(packets / r.seconds).toLocaleString('en-US')
      : '';
  const spread = r.runs.length > 1 ? r.runs.map((s) => s.toFixed(2)).join(' ') : '';
  return `| ${r.case} | ${r.input} | ${r.seconds.toFixed(3)} | ${spread} | ${mbps} | ${pcapMbps} | ${pps} | ${r.maxRssMB.toFixed(0)} |`;
}

/** Where the time of a path goes: each stage's case minus the case before it. */
function stages(results: Result[], input: 'text' | 'pcap'): string[] {
  const get = (c: string): number | undefined => results.find((r) => r.case === c && r.input === input)?.seconds;
  const order: [string, string, string][] =
    input === 'text'
      ? [
          ['read the file', '', 'read'],
          ['split into lines', 'read', 'lines'],
          ['hex and summaries → packets (stage 1)', 'lines', 'packets'],
          ['TCP reassembly (lib/tcp)', 'packets', 'flows'],
          ['TLS records and messages (lib/tls, x509, fingerprints)', 'flows', 'records'],
          ['sessions and event objects', 'records', 'decode'],
          ['NDJSON and the streams', 'decode', 'all'],
        ]
      : [
          ['read the file', '', 'read'],
          ['records → packets (stage 1)', 'read', 'packets'],
          ['TCP reassembly (lib/tcp)', 'packets', 'flows'],
          ['TLS records and messages (lib/tls, x509, fingerprints)', 'flows', 'records'],
          ['sessions and event objects', 'records', 'decode'],
          ['NDJSON and the streams', 'decode', 'all'],
        ];
  const total = get('all');
  const lines: string[] = [];
  for (const [what, from, to] of order) {
    const b = get(to);
    const a = from ? get(from) : 0;
    if (b === undefined || a === undefined || total === undefined) continue;
    const d = Math.max(0, b - a);
    lines.push(`| ${what} | ${d.toFixed(3)} | ${((100 * d) / total).toFixed(0)}% |`);
  }
  return lines.length ? [`| ${input}: stage | seconds | share of \`all\` |`, '|---|---|---|', ...lines, ''] : [];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let dir = process.env.BENCH_DIR ?? join(tmpdir(), 'tlsdump-bench');
  let textCases = TEXT_CASES;
  let pcapCases = PCAP_CASES;
  let repeat = 3;
  let seed = 1;
  let bulk: BulkSize = BULK_DEFAULT;
  let outFile = join(root, 'bench', 'RESULTS.md');
  const sizes: number[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--dir') dir = args[++i]!;
    else if (a === '--cases') textCases = args[++i]!.split(',').filter(Boolean);
    else if (a === '--pcap-cases') pcapCases = args[++i]!.split(',').filter(Boolean);
    else if (a === '--repeat') repeat = Math.max(1, Number(args[++i]));
    else if (a === '--seed') seed = Number(args[++i]);
    else if (a === '--out') outFile = args[++i]!;
    else if (a === '--bulk') {
      const [min, max] = args[++i]!.split('-').map(Number);
      bulk = { min: min!, max: max! };
    } else sizes.push(Number(a));
  }
  if (sizes.length === 0) sizes.push(870);
  mkdirSync(dir, { recursive: true });
  const load0 = loadavg();
  const started = new Date();
  const sections: string[] = [];
  const summary: string[] = [];
  const cli = join(root, 'bin', 'tlsdump.js');
  const withTshark = have('tshark');
  for (const mb of sizes) {
    const tag = `${mb}-s${seed}${bulk === BULK_DEFAULT ? '' : `-b${bulk.min}-${bulk.max}`}`;
    const pcap = join(dir, `gen-${tag}.pcap`);
    const text = join(dir, `gen-${tag}.txt`);
    if (!existsSync(text) || !existsSync(pcap)) {
      process.stderr.write(`generating ${mb} MB of -XX text in ${dir}\n`);
      await generate(pcap, mb / TEXT_PER_PCAP, seed, bulk);
      const fd = openSync(text, 'w');
      execFileSync('tcpdump', ['-nn', '-XX', '-r', pcap], { stdio: ['ignore', fd, 'ignore'] });
      closeSync(fd);
    }
    const textBytes = statSync(text).size;
    const pcapBytes = statSync(pcap).size;
    const results: Result[] = [];
    const step = (what: string): void => void process.stderr.write(`  ${mb} MB: ${what}\n`);
    for (const c of textCases) {
      step(`${c} (text)`);
      results.push(best(repeat, () => measure(c, text, 'text')));
    }
    for (const c of pcapCases) {
      step(`${c} (pcap)`);
      results.push(best(repeat, () => measure(c, pcap, 'pcap')));
    }
    step('cli (text, pcap)');
    const cliText = best(repeat, () => timed('cli --events all', 'text', process.execPath, [cli, '--events', 'all', text]));
    const cliPcap = best(repeat, () => timed('cli --events all', 'pcap', process.execPath, [cli, '--events', 'all', pcap]));
    results.push(cliText, cliPcap);
    let ts: Result | undefined;
    if (withTshark) {
      step('tshark (pcap)');
      const targs = ['-r', pcap, '-o', 'tcp.desegment_tcp_streams:TRUE', '-T', 'fields', ...TSHARK_FIELDS.flatMap((f) => ['-e', f])];
      ts = best(repeat, () => timed('tshark', 'pcap', 'tshark', targs));
      results.push(ts);
    }
    const packets = results.find((r) => r.case === 'packets')?.items ?? 0;
    const rows = results.map((r) => row(r, textBytes, pcapBytes, packets));
    const lines = [
      `### ${(textBytes / 1e6).toFixed(0)} MB of \`-XX\` text, ${(pcapBytes / 1e6).toFixed(0)} MB pcap, ${packets.toLocaleString('en-US')} packets`,
      '',
      `Best of ${repeat}. MB/s are of the \`-XX\` text (for pcap and tshark: the text the pcap spares); pcap MB/s of the pcap.`,
      '',
      '| case | input | seconds | runs | MB/s of text | MB/s of pcap | packets/s | peak RSS (MB) |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      ...stages(results, 'text'),
      ...stages(results, 'pcap'),
    ];
    // The goals, measured in this run.
    const get = (c: string, input: 'text' | 'pcap'): Result | undefined => results.find((r) => r.case === c && r.input === input);
    const goals: string[] = [];
    if (ts) {
      const ratio = cliText.seconds / ts.seconds;
      goals.push(
        `- Text path against tshark: \`tlsdump --events all\` on the text ${cliText.seconds.toFixed(2)} s, tshark on the pcap ${ts.seconds.toFixed(2)} s: ` +
          `${ratio.toFixed(2)}× tshark's time (needs ≤ 1.00×: ${ratio <= 1 ? 'met' : 'not met'}); peak RSS ${cliText.maxRssMB.toFixed(0)} MB (needs ≤ 200 MB: ${cliText.maxRssMB <= 200 ? 'met' : 'not met'}).`,
      );
      goals.push(
        `- Text path, 2× goal (≤ 0.50× tshark's time, ${(textBytes / 1e6 / (0.5 * ts.seconds)).toFixed(0)} MB/s of text here): ${ratio <= 0.5 ? 'met' : `not met, ${(cliText.seconds - 0.5 * ts.seconds).toFixed(2)} s (${(cliText.seconds / (0.5 * ts.seconds)).toFixed(2)}×) away`}.`,
      );
      const speedup = ts.seconds / cliPcap.seconds;
      goals.push(
        `- Pcap path: the pcap path ${cliPcap.seconds.toFixed(2)} s, ${speedup.toFixed(1)}× faster than tshark (needs ≥ 5×: ${speedup >= 5 ? 'met' : 'not met'}).`,
      );
    }
    for (const input of ['text', 'pcap'] as const) {
      const p = get('packets', input);
      const d = get('decode', input);
      if (p && d) {
        const kept = p.seconds / d.seconds;
        goals.push(
          `- Cost of decoding (${input}): stage 1 alone ${p.seconds.toFixed(2)} s, stage 1 + tcp + tls + session (\`decode\`) ${d.seconds.toFixed(2)} s: decoding keeps ${(100 * kept).toFixed(0)}% of stage 1's throughput, ` +
            `costs ${(100 * (1 - kept)).toFixed(0)}% (needs ≤ 30%: ${1 - kept <= 0.3 ? 'met' : 'not met'}).`,
        );
      }
    }
    const sNew = get('stringify', 'text');
    const sOld = get('stringify-ndjson-pkg', 'text');
    if (sNew && sOld)
      goals.push(
        `- NDJSON of the same events: ndjsonOut ${sNew.seconds.toFixed(3)} s, the \`ndjson\` package ${sOld.seconds.toFixed(3)} s (${(sOld.seconds / sNew.seconds).toFixed(1)}×).`,
      );
    lines.push(...goals, '');
    summary.push(`**${(textBytes / 1e6).toFixed(0)} MB of text**`, ...goals, '');
    sections.push(lines.join('\n'));
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const load1 = loadavg();
  const doc = [
    '# Benchmark results',
    '',
    `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu} (${cpus().length} cores), Node ${process.version}, one core per case (tlsdump runs on one thread).`,
    `Load average ${load0[0]!.toFixed(1)} at the start and ${load1[0]!.toFixed(1)} at the end: other work shared the machine, so each figure is the best of ${repeat} runs.`,
    'Made by `npm run bench` (`node dist/bench/run.js`); each case runs in its own process (bench/measure.ts), and the',
    'command line and tshark are timed as whole processes from spawn to exit (start-up included), output to /dev/null.',
    `tshark: \`tshark -r FILE.pcap -o tcp.desegment_tcp_streams:TRUE -T fields\` with ${TSHARK_FIELDS.map((f) => `-e ${f}`).join(' ')}.`,
    'Captures: bench/gen.ts (TLS 1.2 handshakes with a recorded certificate chain, then bulk application data, 8 flows',
    'interleaved, some loss and reordering), text by `tcpdump -nn -XX -r`.',
    '',
    'Cases: `read` the raw read (the floor), `split2` split2 alone, `lines` our line framer, `packets` stage 1,',
    '`flows` + TCP reassembly, `records` + TLS, `decode` the whole decoder (+ sessions) with --events all and no output,',
    '`all` decodeStream → ndjsonOut as the CLI runs them, `all-ndjson-pkg` the same through the `ndjson` package,',
    '`stringify`/`stringify-ndjson-pkg` serialisation alone of the same events, `cli --events all` the command itself.',
    '',
    '## Goals',
    '',
    ...summary,
    ...sections,
  ].join('\n');
  // Sections measured by other scripts (bench/handshakes.sh, bench/flood.ts) start at KEPT and stay.
  const before = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  const kept = before.includes(KEPT) ? '\n' + before.slice(before.indexOf(KEPT)) : '';
  writeFileSync(outFile, doc + '\n' + kept);
  process.stdout.write(doc + '\n');
}

await main();
