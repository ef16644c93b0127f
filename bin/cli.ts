// The command line: argument parsing, then pipeline(input, decoder, NDJSON, stdout). Nothing else lives here.

import { createReadStream, readFileSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_EVENTS, EVENT_TYPES, type EventType } from '../lib/events.js';
import { defaultOptions, LIMITS, type Options } from '../lib/options.js';
import { decodeStream } from '../lib/pipeline.js';
import { ndjsonOut } from '../lib/output/ndjson.js';

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
${LIMITS.map((l) => `  ${(l.flag + ' N').padEnd(19)}${l.help} (default ${l.default})\n                     e.g. ${l.example}`).join('\n')}
  -h, --help         this text
  -V, --version      the version

examples:
  tcpdump -nn -XX -r capture.pcap | tlsdump | jq -c 'select(.type == "tls.handshake") | [.flow, .msg]'
  tcpdump -l -nn -XX -i eth0 port 443 | tlsdump --events all
  tcpdump -U -w - -i eth0 port 443 | tlsdump
  tlsdump capture.pcapng
  tlsdump --events packet ticket-paste.txt`;

class UsageError extends Error {}

interface Args {
  options: Readonly<Options>;
  files: string[];
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
      overrides.events = parseEvents(value());
      continue;
    }
    if (flag === '--input') {
      const v = value();
      if (v !== 'auto' && v !== 'text' && v !== 'pcap') throw new UsageError(`--input takes text, pcap or auto, not '${v}'`);
      overrides.input = v;
      continue;
    }
    if (flag === '--summary') {
      overrides.events = new Set<EventType>(['tls.session']);
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
  return { options: defaultOptions(overrides as Partial<Options>), files: files.length ? files : ['-'] };
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (args === 'version') {
    process.stdout.write(`tlsdump ${version()}\n`);
    return;
  }
  for (const file of args.files) {
    if (file === '-') continue;
    let st;
    try {
      st = statSync(file);
    } catch {
      throw new UsageError(`cannot read '${file}': no such file`);
    }
    if (st.isDirectory()) throw new UsageError(`cannot read '${file}': it is a directory`);
  }
  for (const file of args.files) {
    const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
    const out = ndjsonOut();
    out.pipe(process.stdout, { end: false });
    await pipeline(input, decodeStream(args.options), out);
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
