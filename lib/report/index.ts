// `tlsdump report`: reads saved NDJSON events back (stream-json, one value at a time) and prints a table of the
// connections and their verdicts, one row per `tls.session`, then totals. Rows are printed as they are read,
// with fixed column widths, so memory stays bounded whatever the size of the file.

import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parser } from 'stream-json';
import { ignore } from 'stream-json/filters/ignore.js';
import { streamValues } from 'stream-json/streamers/stream-values.js';
import { paint, type Paint } from '../output/color.js';
import { isRecord } from '../events.js';
import { diagnosesOf, worstDiagnosis } from '../session/diagnosis.js';
import { sanitize } from '../output/sanitize.js';

/**
 * Keys of other events that the report never reads, dropped by the token filter before a value is assembled:
 * certificate lists, extension lists, cipher lists and fingerprint strings are most of an event's bytes.
 */
const HEAVY_KEYS =
  /(^|\.)(certs|extensions|cipher_ids|ciphers|compression_ids|compressions|extension_ids|ja3|ja3s|ja4_r|random|session_id|challenge|sig_alg_ids|sig_algs|ca_names|supported_version_ids|key_share_groups)$/;

/** Distinct diagnosis codes counted for the totals; further codes are counted together. */
export const MAX_REPORT_CODES = 256;

interface Column {
  title: string;
  width: number;
}

const COLUMNS: Column[] = [
  { title: 'flow', width: 5 },
  { title: 'client', width: 21 },
  { title: 'server', width: 21 },
  { title: 'version', width: 8 },
  { title: 'established', width: 11 },
  { title: 'cert req/sent', width: 13 },
  { title: 'worst diagnosis', width: 0 },
];

/**
 * Fits a cell to its column: sanitised, padded when short, and cut with an ellipsis when too long unless `whole`
 * (addresses: an IPv6 address with its port is longer than the column, and a cut one is useless).
 */
function cell(s: string, width: number, whole = false): string {
  const clean = sanitize(s);
  if (width === 0) return clean;
  const chars = [...clean];
  if (chars.length > width) return whole ? clean : chars.slice(0, width - 1).join('') + '…';
  return clean + ' '.repeat(width - chars.length);
}

const yn = (v: unknown): string => (v === true ? 'yes' : v === false ? 'no' : '-');

export interface ReportOptions {
  color?: boolean;
}

/** The pure core: push parsed events, end; the table goes to `out` line by line. */
export class Report {
  private readonly p: Paint;
  private rows = 0;
  private established = 0;
  private failed = 0;
  private values = 0;
  private readonly codes = new Map<string, number>();
  private otherCodes = 0;

  constructor(
    private readonly out: (text: string) => void,
    opts: ReportOptions = {},
  ) {
    this.p = paint(opts.color ?? false);
  }

  push(value: unknown): void {
    this.values++;
    if (!isRecord(value) || value.type !== 'tls.session') return;
    const ev = value;
    if (this.rows === 0)
      this.out(
        this.p.bold(
          COLUMNS.map((c) => cell(c.title, c.width))
            .join('  ')
            .trimEnd(),
        ) + '\n',
      );
    this.rows++;
    const established = ev.established === true;
    if (established) this.established++;
    const diagnoses = diagnosesOf(ev.diagnoses);
    const worst = worstDiagnosis(diagnoses);
    for (const d of diagnoses) {
      const code = String(d.code);
      if (this.codes.has(code) || this.codes.size < MAX_REPORT_CODES) this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
      else this.otherCodes++;
    }
    if (!established && worst?.severity === 'error') this.failed++;
    const worstText = worst ? `${String(worst.severity)} ${String(worst.code)}` : '-';
    const sev = worst ? String(worst.severity) : '';
    const color = sev === 'error' ? this.p.red : sev === 'warning' ? this.p.yellow : (s: string) => s;
    const cells = [
      String(ev.flow ?? '?'),
      String(ev.client ?? '?'),
      String(ev.server ?? '?'),
      String(ev.version ?? '-'),
      established ? 'yes' : ev.established === null ? '-' : 'no',
      `${yn(ev.client_cert_requested)}/${yn(ev.client_cert_sent)}`,
    ].map((v, i) => cell(v, COLUMNS[i]!.width, i === 1 || i === 2));
    cells[4] = established ? this.p.green(cells[4]!) : this.p.red(cells[4]!);
    cells.push(color(cell(worstText, 0)));
    this.out(cells.join('  ').trimEnd() + '\n');
  }

  end(): void {
    if (this.rows === 0) {
      this.out(
        `no tls.session events among ${this.values} values read (save them with: tlsdump --events all … > events.ndjson, or the default events)\n`,
      );
      return;
    }
    const codes = [...this.codes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    this.out(
      `\n${this.rows} connection${this.rows === 1 ? '' : 's'}: ${this.established} established, ${this.failed} failed, ${this.rows - this.established - this.failed} other\n`,
    );
    if (codes.length)
      this.out(
        `diagnoses: ${codes.map(([c, n]) => `${sanitize(c)} ×${n}`).join(', ')}${this.otherCodes ? `, other codes ×${this.otherCodes}` : ''}\n`,
      );
  }
}

/** Reads NDJSON events from `input` and writes the report to `output`. Rejects on unreadable input or bad JSON. */
export async function report(input: Readable, output: NodeJS.WritableStream, opts: ReportOptions = {}): Promise<void> {
  const r = new Report((s) => output.write(s), opts);
  await readValues(input, HEAVY_KEYS, r);
}

/** Streams the JSON values of NDJSON `input`, with the keys matching `drop` filtered out as tokens, into a core. */
export async function readValues(input: Readable, drop: RegExp, r: { push(v: unknown): void; end(): void }): Promise<void> {
  const sink = new Writable({
    objectMode: true,
    write(item: { value: unknown }, _enc: BufferEncoding, cb: (err?: Error | null) => void) {
      try {
        r.push(item.value);
        cb();
      } catch (err) {
        cb(err instanceof Error ? err : new Error(String(err)));
      }
    },
    final(cb: (err?: Error | null) => void) {
      r.end();
      cb();
    },
  });
  await pipeline(input, parser.asStream({ jsonStreaming: true }), ignore.asStream({ filter: drop }), streamValues.asStream(), sink);
}
