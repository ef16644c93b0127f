// The benchmark run: generates a capture of each size (pcap, then tcpdump's own -XX text of it), measures every
// case in its own process, runs tshark on the same pcap when it is installed, and writes bench/RESULTS.md.
//
// usage: node dist/bench/run.js [SIZE_MB ...] [--cases read,split2,lines,packets,all] [--dir DIR]
// default: one run at 1000 MB of text. BENCH_DIR or --dir says where the generated files go (default: tmpdir).

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './gen.js';

/** The -XX text of a capture is about this many times larger than its pcap (measured: 4.33–4.35). */
const TEXT_PER_PCAP = 4.33;

interface Result {
  case: string;
  seconds: number;
  bytes: number;
  items: number;
  maxRssMB: number;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

function measure(name: string, file: string): Result {
  const out = execFileSync(process.execPath, [join(here, 'measure.js'), name, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Result;
}

function tshark(pcap: string, textBytes: number): Result | undefined {
  if (spawnSync('sh', ['-c', 'command -v tshark']).status !== 0) return undefined;
  const fields = ['tls.record.content_type', 'tls.record.length', 'tls.handshake.type', 'tls.handshake.ciphersuite', 'tls.handshake.extensions_server_name', 'tls.alert_message.desc', 'tls.handshake.certificate'];
  const args = ['-r', pcap, '-o', 'tcp.desegment_tcp_streams:TRUE', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])];
  const t0 = process.hrtime.bigint();
  const devnull = openSync('/dev/null', 'w');
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'tshark', ...args], { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8' });
  closeSync(devnull);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssKB = Number((r.stderr ?? '').trim().split('\n').pop());
  return { case: 'tshark (pcap)', seconds, bytes: textBytes, items: 0, maxRssMB: rssKB / 1024 };
}

function fmt(r: Result, packets: number): string {
  const mbps = r.bytes / 1e6 / r.seconds;
  return `| ${r.case} | ${r.seconds.toFixed(2)} | ${mbps.toFixed(0)} | ${packets ? Math.round(packets / r.seconds).toLocaleString('en-US') : ''} | ${r.maxRssMB.toFixed(0)} |`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let dir = process.env.BENCH_DIR ?? join(tmpdir(), 'tlsdump-bench');
  let cases = ['read', 'split2', 'lines', 'packets', 'all'];
  const sizes: number[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--dir') dir = args[++i]!;
    else if (args[i] === '--cases') cases = args[++i]!.split(',');
    else sizes.push(Number(args[i]));
  }
  if (sizes.length === 0) sizes.push(1000);
  mkdirSync(dir, { recursive: true });
  const sections: string[] = [];
  for (const mb of sizes) {
    const pcap = join(dir, `gen-${mb}.pcap`);
    const text = join(dir, `gen-${mb}.txt`);
    if (!existsSync(text)) {
      process.stderr.write(`generating ${mb} MB of -XX text in ${dir}\n`);
      await generate(pcap, mb / TEXT_PER_PCAP);
      const fd = openSync(text, 'w');
      execFileSync('tcpdump', ['-nn', '-XX', '-r', pcap], { stdio: ['ignore', fd, 'ignore'] });
      closeSync(fd);
    }
    const textBytes = statSync(text).size;
    const results: Result[] = [];
    let packets = 0;
    for (const c of cases) {
      process.stderr.write(`  ${mb} MB: ${c}\n`);
      const r = measure(c, text);
      if (c === 'packets') packets = r.items;
      results.push(r);
    }
    const ts = tshark(pcap, textBytes);
    if (ts) results.push(ts);
    const rows = results.map((r) => fmt(r, r.case === 'read' || r.case === 'split2' || r.case === 'lines' ? 0 : packets));
    sections.push(
      [
        `### ${(textBytes / 1e6).toFixed(0)} MB of \`-XX\` text (${(statSync(pcap).size / 1e6).toFixed(0)} MB pcap, ${packets.toLocaleString('en-US')} packets)`,
        '',
        '| case | seconds | MB/s of text | packets/s | peak RSS (MB) |',
        '|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const doc = [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu} (${cpus().length} cores), Node ${process.version}, one core per case.`,
    'Made by `npm run bench` (`node dist/bench/run.js`); each case runs in its own process. MB/s are of `-XX` text;',
    'tshark reads the equivalent pcap, so its MB/s is the text it spared, for comparison. Cases:',
    '`read` is the raw file read (the floor), `split2` is split2 alone, `lines` our byte line framer alone,',
    '`packets` stage 1 (text → packets), `all` the whole pipeline with `--events all` serialised to NDJSON.',
    '',
    ...sections,
  ].join('\n');
  writeFileSync(join(root, 'bench', 'RESULTS.md'), doc + '\n');
  process.stdout.write(doc + '\n');
}

await main();

