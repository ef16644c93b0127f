// The command line: argument parsing, then pipeline(input, decoder, NDJSON, stdout). Nothing else lives here.

import { createReadStream, createWriteStream, fstatSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { DEFAULT_EVENTS, EVENT_TYPES, type EventType } from '../lib/events.js';
import { DEFAULT_JOBS, defaultOptions, LIMITS, MAX_JOBS, type Options } from '../lib/options.js';
import {
  BIG_INPUT_BYTES,
  BIG_START_FLOWS,
  BIG_START_ITEMS,
  decodeNdjson,
  START_ENDED_SHARE,
  START_FLOWS,
  START_ITEMS,
  START_ITEMS_PER_FLOW,
} from '../lib/parallel/index.js';
import { decodeStream } from '../lib/pipeline.js';
import { KeyStore } from '../lib/keylog/index.js';
import { fileInput } from '../lib/fileinput.js';
import { ProgressLine } from '../lib/progress.js';
// ---- output formats and the report
import { wantColor } from '../lib/output/color.js';
import { decoderEvents, formatStream, FORMATS, TEXT_IDLE_MS, type Format } from '../lib/output/formats.js';
import { TEXT_DEFAULT_SHOW } from '../lib/output/text.js';
import { htmlReport } from '../lib/report/html.js';
import { report } from '../lib/report/index.js';
// ---- end output formats

const USAGE = `usage: tlsdump [options] [FILE ...]

Decodes SSL/TLS from tcpdump text (-x, -xx, -X or -XX hex dumps, any timestamp form, -e, -v, -S, and the
old 3.x format) and writes NDJSON events to stdout, one a line. Reads stdin when no FILE (or '-') is given.
pcap and pcapng files (from a file or stdin, e.g. tcpdump -w -) are told from text by their magic bytes.

options:
  --events LIST      event types to emit, comma-separated, or 'all'
                     (${EVENT_TYPES.join(', ')})
                     default: ${DEFAULT_EVENTS.join(',')}
                     e.g. --events packet,flow
  --summary          one tls.session verdict per connection (same as --events tls.session)
                     e.g. tlsdump --summary dump.txt | jq '.diagnoses[]'
  --input KIND       read the input as 'text' or 'pcap' (pcap or pcapng) instead of telling by its
                     first bytes ('auto', the default)
                     e.g. --input text
  --format FORMAT    what to write: 'ndjson' (events, the default), 'text' (one block per connection
                     for a person: records, handshake messages, verdict, diagnoses; coloured on a
                     terminal unless NO_COLOR is set) or 'ecs' (one Elastic Common Schema document per
                     TLS connection, one a line, for Filebeat, Logstash or an Elasticsearch bulk load)
                     or 'mermaid' (one Mermaid sequenceDiagram per TLS connection, each in a \`\`\`mermaid
                     fence, to paste into a ticket or a wiki page that renders Mermaid).
                     With text, --events chooses what a block shows; ecs and mermaid take no --events.
                     Text from a pipe or a terminal shows each connection's lines so far when the
                     input pauses (200 ms, or 1 s at most), so a stalled handshake shows up live
                     e.g. tlsdump --format text dump.txt | less -R
                     e.g. tlsdump --format ecs capture.pcap > tls-ecs.ndjson
                     e.g. tlsdump --format mermaid ticket-paste.txt > ladders.md
  --explain          with --format text (implied): where each field's bytes sit in the input, as
                     the input line (or frame) of the packet and the offset in its TCP payload
                     e.g. tlsdump --explain --events tls.record,tls.handshake,tls.session dump.txt
  --keylog FILE      decrypt with the TLS secrets in FILE (NSS key log format, as SSLKEYLOGFILE,
                     openssl s_client -keylogfile, Node's 'keylog' event write it); may be repeated.
                     pcapng files carrying secrets (editcap --inject-secrets) are decrypted without it.
                     A key log decrypts everything it covers: treat it like a private key
                     e.g. tlsdump --keylog keys.log --events all capture.pcap
  --data-preview N   with decryption: tls.data events show the first N bytes of each application
                     data record as escaped text (off by default: it prints user data)
                     e.g. tlsdump --keylog keys.log --events tls.data --data-preview 80 capture.pcap
${LIMITS.map((l) => `  ${l.flag.length + 2 < 19 ? (l.flag + ' N').padEnd(19) : `${l.flag} N\n${' '.repeat(21)}`}${l.help} (default ${l.default})\n                     e.g. ${l.example}`).join('\n')}
  --jobs N           threads decoding TCP connections: this one and N-1 workers, each connection in
                     one worker, chosen by its address pair (default: the number of cores, here
                     ${DEFAULT_JOBS}); 1: one thread. The output bytes are the same whatever N is.
                     Workers start once an input has shown ${START_ITEMS} TCP items and ${START_FLOWS} connections
                     (${BIG_START_ITEMS} and ${BIG_START_FLOWS} for a file of ${BIG_INPUT_BYTES / 1048576} MB or more), at most ${START_ITEMS_PER_FLOW} items per connection,
                     ${START_ENDED_SHARE * 100}% of the connections ended by FIN or RST (small inputs, long transfers
                     and floods of half-open connections stay in one thread);
                     UDP (QUIC, DTLS), hex excerpts and --format text, ecs and mermaid always run
                     in one thread
                     e.g. --jobs 1
  --progress         a progress line on stderr (bytes read of the total, MB/s, connections, time
                     left), redrawn a few times a second and erased at the end; shown by default
                     when stderr is a terminal, stdout is not, and the input is a file.
                     --no-progress: never
  -h, --help         this text
  -V, --version      the version

examples:
  tcpdump -nn -XX -r capture.pcap | tlsdump | jq -c 'select(.type == "tls.handshake") | [.flow, .msg]'
  tcpdump -l -nn -XX -i eth0 port 443 | tlsdump --events all
  tcpdump -U -w - -i eth0 port 443 | tlsdump
  tlsdump capture.pcapng
  tlsdump --events packet ticket-paste.txt

usage: tlsdump report [--html OUT.html] [FILE ...]
  reads saved NDJSON events (FILE, or stdin) and prints a table of the connections and their
  verdicts: flow, client, server, version, established, client certificate requested/sent,
  worst diagnosis; then totals
  e.g. tlsdump capture.pcap > events.ndjson && tlsdump report events.ndjson
  --html OUT.html    writes one self-contained page instead (no network; opens in any browser): a
                     sortable, filterable table of the connections and, for the one chosen, its ladder
                     diagram, diagnoses and certificate chains. FILE may also be a capture (text, pcap)
                     e.g. tlsdump report --html report.html capture.pcap`;

class UsageError extends Error {}

const SUMMARY_AND_EVENTS = '--summary and --events both choose the events to emit: give one (--summary is --events tls.session)';

interface Args {
  options: Readonly<Options>;
  files: string[];
  /** Event types given by --events or --summary (undefined: the format's default). */
  events?: ReadonlySet<EventType>;
  explain: boolean;
  /** --progress (true) or --no-progress (false); undefined: when stderr is a terminal and the input a file. */
  progress?: boolean;
}

function parseEvents(list: string): Set<EventType> {
  if (list === 'all') return new Set(EVENT_TYPES);
  const set = new Set<EventType>();
  for (const name of list.split(',')) {
    const t = name.trim();
    if (!t) continue;
    if (!(EVENT_TYPES as readonly string[]).includes(t)) {
      throw new UsageError(`unknown event type '${t}' in --events (known: ${EVENT_TYPES.join(', ')}, all)`);
    }
    set.add(t as EventType);
  }
  return set;
}

function parseArgs(argv: string[]): Args | 'help' | 'version' {
  const overrides: Record<string, unknown> = {};
  const files: string[] = [];
  const keylog: string[] = [];
  let explain = false;
  let progress: boolean | undefined;
  let eventsFlag: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '-V' || arg === '--version') return 'version';
    if (arg === '-' || !arg.startsWith('-')) {
      files.push(arg);
      continue;
    }
    if (arg === '--') {
      files.push(...argv.slice(i + 1));
      break;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--events') {
      if (eventsFlag === '--summary') throw new UsageError(SUMMARY_AND_EVENTS);
      overrides.events = parseEvents(value());
      eventsFlag = '--events';
      continue;
    }
    if (flag === '--format') {
      const v = value();
      if (!(FORMATS as readonly string[]).includes(v)) throw new UsageError(`--format takes ${FORMATS.join(', ')}, not '${v}'`);
      overrides.format = v as Format;
      continue;
    }
    if (flag === '--explain') {
      explain = true;
      continue;
    }
    if (flag === '--progress' || flag === '--no-progress') {
      progress = flag === '--progress';
      continue;
    }
    if (flag === '--input') {
      const v = value();
      if (v !== 'auto' && v !== 'text' && v !== 'pcap') throw new UsageError(`--input takes text, pcap or auto, not '${v}'`);
      overrides.input = v;
      continue;
    }
    if (flag === '--keylog') {
      keylog.push(value());
      continue;
    }
    if (flag === '--jobs') {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > MAX_JOBS) throw new UsageError(`--jobs takes a number of threads from 1 to ${MAX_JOBS}, not '${v}'`);
      overrides.jobs = n;
      continue;
    }
    if (flag === '--data-preview') {
      const v = value();
      if (!/^\d+$/.test(v)) throw new UsageError(`--data-preview takes a number of bytes, not '${v}'`);
      overrides.dataPreview = Number(v);
      continue;
    }
    if (flag === '--summary') {
      if (eventsFlag === '--events') throw new UsageError(SUMMARY_AND_EVENTS);
      overrides.events = new Set<EventType>(['tls.session']);
      eventsFlag = '--summary';
      continue;
    }
    const limit = LIMITS.find((l) => l.flag === flag);
    if (!limit) throw new UsageError(`unknown option '${flag}' (see tlsdump --help)`);
    const v = value();
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n) || n <= 0) {
      throw new UsageError(`${flag} takes a positive number, not '${v}'`);
    }
    overrides[limit.key] = n;
  }
  if (explain) {
    if (overrides.format !== undefined && overrides.format !== 'text')
      throw new UsageError(`--explain goes with --format text, not --format ${String(overrides.format)}`);
    overrides.format = 'text';
  }
  if ((overrides.format === 'ecs' || overrides.format === 'mermaid') && eventsFlag === '--events') {
    const what = overrides.format === 'ecs' ? 'one document' : 'one diagram';
    throw new UsageError(`--format ${overrides.format} writes ${what} per TLS connection and takes no --events (use --format ndjson --events …)`);
  }
  overrides.keylog = keylog;
  const options = defaultOptions(overrides as Partial<Options>);
  return { options, files: files.length ? files : ['-'], events: eventsFlag ? options.events : undefined, explain, progress };
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// ---- the report subcommand (tlsdump report, --html)
async function reportMain(argv: string[]): Promise<void> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  let html: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--html' || a.startsWith('--html=')) {
      html = a === '--html' ? argv[++i] : a.slice('--html='.length);
      if (!html) throw new UsageError('--html needs a FILE to write');
      continue;
    }
    if (a !== '-' && a.startsWith('-')) throw new UsageError(`unknown option '${a}' for report (see tlsdump --help)`);
    files.push(a);
  }
  if (!files.length) files.push('-');
  checkReadable(files);
  if (html !== undefined) return htmlMain(html, files);
  for (const file of files) {
    const input = file === '-' ? stdinInput() : createReadStream(file);
    try {
      await report(input, process.stdout, { color: wantColor(process.stdout) });
    } catch (err) {
      throw new UsageError(`report: ${file === '-' ? 'stdin' : file} is not NDJSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** `report --html FILE`: the page for saved NDJSON or captures, written to FILE; a line on stderr says how many. */
async function htmlMain(target: string, files: string[]): Promise<void> {
  const out = createWriteStream(target);
  const opened = new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (err) => reject(new UsageError(`cannot write '${target}': ${err.message}`)));
  });
  await opened;
  const names = files.map((f) => (f === '-' ? 'stdin' : basename(f)));
  const n = await htmlReport(
    files.map((f, i) => ({ name: names[i]!, open: () => (f === '-' ? stdinInput() : createReadStream(f, { highWaterMark: 1 << 20 })) })),
    out,
    `tlsdump report: ${names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more inputs`}`,
  );
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  process.stderr.write(`tlsdump: wrote ${target}: ${n} connection${n === 1 ? '' : 's'}\n`);
}
// ---- end report subcommand

/** Fails with one line before any output when a named input cannot be read. */
function checkReadable(files: readonly string[]): void {
  for (const file of files) {
    if (file === '-') continue;
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(file);
    } catch {
      throw new UsageError(`cannot read '${file}': no such file`);
    }
    if (st.isDirectory()) throw new UsageError(`cannot read '${file}': it is a directory`);
  }
}

/** Standard input, with a word on stderr when it is a terminal (else tlsdump would seem to hang). */
function stdinInput(): Readable {
  if (process.stdin.isTTY)
    process.stderr.write('tlsdump: reading tcpdump text or a pcap from stdin (the terminal); end it with Ctrl-D, or give a FILE (tlsdump --help)\n');
  return process.stdin;
}

/** The size of an input that is a regular file (standard input included, when a file is redirected to it), else
 *  undefined: a pipe, socket or terminal, which may stall. lib/parallel starts its workers sooner for a big file. */
function fileSize(file: string): number | undefined {
  try {
    const st = file === '-' ? fstatSync(0) : statSync(file);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** The progress line: forced by --progress or --no-progress, else shown when stderr is a terminal and the input a
 *  regular file (a pipe has no total to measure against), unless stdout writes to a terminal too: its lines would
 *  land in the middle of the progress line. */
function wantProgress(flag: boolean | undefined, file: string, size: number | undefined): boolean {
  if (flag !== undefined) return flag;
  return process.stderr.isTTY === true && process.stdout.isTTY !== true && file !== '-' && size !== undefined;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'report') return reportMain(argv.slice(1));
  const args = parseArgs(argv);
  if (args === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (args === 'version') {
    process.stdout.write(`tlsdump ${version()}\n`);
    return;
  }
  checkReadable(args.files);
  checkReadable(args.options.keylog);
  let keys: KeyStore;
  try {
    keys = new KeyStore(args.options.keylog);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  // --format: text and ecs read more event types than they show (lib/output/formats.ts).
  const format = args.options.format;
  const show = format === 'text' ? (args.events ?? new Set(TEXT_DEFAULT_SHOW)) : args.options.events;
  const formatOptions = { format, show, explain: args.explain, color: wantColor(process.stdout) };
  const decodeOptions = format === 'ndjson' ? args.options : defaultOptions({ ...args.options, events: decoderEvents(formatOptions, show) });
  // NDJSON is written as bytes by lib/parallel, with --jobs 1 too (no worker, the same bytes as the event streams
  // below give: on 50,000 packets of a handshake capture, 6.5% fewer instructions than those streams).
  const ndjson = format === 'ndjson';
  for (const file of args.files) {
    const input: Readable = file === '-' ? stdinInput() : fileInput(file);
    let bytes = 0;
    input.on('data', (chunk: Uint8Array) => (bytes += chunk.length));
    const size = fileSize(file);
    const progress = wantProgress(args.progress, file, size) ? new ProgressLine(process.stderr, file === '-' ? undefined : size) : undefined;
    if (progress) input.on('data', (chunk: Buffer) => progress.add(chunk.length));
    try {
      if (ndjson) {
        // The workers, if any start, write their bytes themselves (lib/parallel). Piped, not pipeline()d, into
        // stdout: pipeline would leave its listeners on stdout after each input.
        const out = decodeNdjson(decodeOptions, keys, progress?.counts, { inputBytes: size });
        out.pipe(process.stdout, { end: false });
        await pipeline(input, out);
        await finished(out);
      } else {
        // A pipe or a terminal may stall mid-connection: text then shows each connection's lines so far when it goes quiet.
        const out = formatStream(format === 'text' && size === undefined ? { ...formatOptions, idleMs: TEXT_IDLE_MS } : formatOptions);
        out.pipe(process.stdout, { end: false });
        await pipeline(input, decodeStream(decodeOptions, keys, progress?.counts), out);
        // Its last bytes reach stdout before the next input starts (and its listeners on stdout are gone then).
        await finished(out);
      }
    } finally {
      progress?.end();
    }
    if (bytes === 0) process.stderr.write(`tlsdump: ${file === '-' ? 'stdin' : `'${file}'`} is empty: nothing to decode\n`);
  }
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // A closed pipe (`tlsdump … | head`) is a normal way to stop reading.
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).catch((err: unknown) => {
  const msg = err instanceof UsageError ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`tlsdump: ${msg}\n`);
  process.exitCode = 2;
});
