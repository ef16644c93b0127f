// NSS key log reading (the SSLKEYLOGFILE format, also carried in pcapng Decryption Secrets Blocks): lines of
// `LABEL <client_random hex> <secret hex>` become one index from client random to that connection's secrets.
// Files are read once and indexed; a file still being written is read on from where it ended, on a miss.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The labels tshark accepts that are keyed by a 32-byte client random (NSS key log format). */
export const KEYLOG_LABELS = [
  'CLIENT_RANDOM',
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
  'EARLY_EXPORTER_SECRET',
  'EXPORTER_SECRET',
] as const;
export type KeylogLabel = (typeof KEYLOG_LABELS)[number];

/**
 * Labels tshark also accepts that are not keyed by a client random (RSA pre-master secrets by the first 8 bytes
 * of the encrypted value, SSL session ids): read as valid lines, not used here (no RSA key exchange decryption).
 */
const OTHER_LABELS = new Set(['RSA', 'PMS_CLIENT_RANDOM']);

/** The secrets logged for one connection, by label. */
export type Secrets = Partial<Record<KeylogLabel, Uint8Array>>;

/** A malformed key log line: where it is, and what is wrong. */
export interface KeylogProblem {
  source: string;
  line: number;
  message: string;
}

/** Longest line read from a key log (a CLIENT_RANDOM line is 176 characters; secrets are at most 64 bytes). */
export const MAX_KEYLOG_LINE = 1024;
/** Bytes read from key log files in all, over every re-read (a key log line per secret is ~200 bytes). */
export const MAX_KEYLOG_BYTES = 256 << 20;
/** Misses on which a growing key log is looked at again, per store: bounds the stat calls of a live capture. */
export const MAX_KEYLOG_REREADS = 100_000;
/**
 * After the first miss of a client random, later misses look at the files again only this long (ms) after the
 * last look: a capture of many connections without keys costs one look per connection, not one per record.
 */
export const KEYLOG_REREAD_INTERVAL_MS = 20;
/** Malformed lines reported one by one per source; then one last problem says the rest are not (a wrong file given as a key log). */
export const MAX_KEYLOG_PROBLEMS = 100;
/** Client randoms remembered as already missed (then the interval applies); the set is cleared when full. */
const MAX_MISSED = 65536;

const HEX = /^[0-9a-fA-F]+$/;
const LABELS = new Set<string>(KEYLOG_LABELS);

interface FileSource {
  path: string;
  offset: number;
  lineNo: number;
  /** A line cut at the end of what was read, completed by the next read. */
  partial: string;
}

/**
 * The secrets index. `addText` takes key log text (a file, a Decryption Secrets Block); `lookup` finds a
 * connection's secrets by its client random; a miss re-reads files that have grown (a key log being written).
 */
export class KeyStore {
  private readonly byRandom = new Map<string, Secrets>();
  private readonly files: FileSource[] = [];
  private readonly problems: KeylogProblem[] = [];
  private bytesRead = 0;
  private rereads = 0;
  private lastReread = 0;
  private readonly missed = new Set<string>();
  private readonly problemCount = new Map<string, number>();

  /** Reads each file now; problems (malformed lines) wait in `takeProblems()`. Unreadable files throw (a user error). */
  constructor(
    paths: readonly string[] = [],
    /** KEYLOG_REREAD_INTERVAL_MS, or another interval (tests use 0). */
    private readonly rereadIntervalMs = KEYLOG_REREAD_INTERVAL_MS,
  ) {
    for (const path of paths) {
      const src: FileSource = { path, offset: 0, lineNo: 0, partial: '' };
      this.files.push(src);
      this.readMore(src, true);
    }
  }

  /** There are key log files or secrets blocks: decryption is on. */
  get active(): boolean {
    return this.files.length > 0 || this.byRandom.size > 0;
  }

  get size(): number {
    return this.byRandom.size;
  }

  /** The secrets for a client random (64 hex digits, any case); re-reads growing files once on a miss. */
  lookup(clientRandom: string, label?: KeylogLabel): Secrets | undefined {
    const key = clientRandom.toLowerCase();
    let s = this.byRandom.get(key);
    if ((!s || (label && !s[label])) && this.files.length > 0 && this.rereads < MAX_KEYLOG_REREADS && this.mayReread(key)) {
      this.rereads++;
      this.lastReread = Date.now();
      for (const f of this.files) this.readMore(f, false);
      s = this.byRandom.get(key);
    }
    return s;
  }

  /** The first miss of a client random looks again at once; later ones at most every KEYLOG_REREAD_INTERVAL_MS. */
  private mayReread(key: string): boolean {
    if (!this.missed.has(key)) {
      if (this.missed.size >= MAX_MISSED) this.missed.clear();
      this.missed.add(key);
      return true;
    }
    return Date.now() - this.lastReread >= this.rereadIntervalMs;
  }

  /** Adds key log text (e.g. a Decryption Secrets Block's); `source` names it in problems. */
  addText(text: string, source: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) this.line(lines[i]!, source, i + 1);
  }

  /** Malformed lines found since the last call. */
  takeProblems(): KeylogProblem[] {
    return this.problems.splice(0, this.problems.length);
  }

  private readMore(src: FileSource, first: boolean): void {
    let fd: number;
    try {
      fd = openSync(src.path, 'r');
    } catch (err) {
      if (first) throw new Error(`cannot read key log '${src.path}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < src.offset) {
        // The file was replaced or truncated: read it again from the start (known secrets stay).
        src.offset = 0;
        src.lineNo = 0;
        src.partial = '';
      }
      const want = Math.min(size - src.offset, MAX_KEYLOG_BYTES - this.bytesRead);
      if (want <= 0) return;
      const buf = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, src.offset + got);
        if (n <= 0) break;
        got += n;
      }
      src.offset += got;
      this.bytesRead += got;
      const text = src.partial + buf.subarray(0, got).toString('latin1');
      const lines = text.split('\n');
      // The last piece has no newline yet: a line being written. It is read when the file grows, or at once
      // when this is the first read (a complete file need not end with a newline).
      src.partial = lines.pop() ?? '';
      for (const l of lines) this.line(l, src.path, ++src.lineNo);
      if (first && src.partial !== '') {
        // A complete file need not end with a newline: at the first read its end ends the last line.
        this.line(src.partial, src.path, ++src.lineNo);
        src.partial = '';
      }
    } finally {
      closeSync(fd);
    }
  }

  /** One key log line: `LABEL <client_random> <secret>` (NSS key log format). */
  private line(raw: string, source: string, lineNo: number): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const t = text.trim();
    if (t === '' || t.startsWith('#')) return;
    if (t.length > MAX_KEYLOG_LINE) return this.problem(source, lineNo, `a line of ${t.length} characters (more than ${MAX_KEYLOG_LINE})`);
    const parts = t.split(/\s+/);
    const label = parts[0]!;
    if (OTHER_LABELS.has(label)) return;
    if (!LABELS.has(label)) {
      // Unknown labels are skipped (newer producers write ECH_SECRET, ECH_CONFIG, …); a line that does not look
      // like a label at all is damage.
      if (/^[A-Z][A-Z0-9_]*$/.test(label)) return;
      return this.problem(source, lineNo, `'${label.slice(0, 40)}' is not a key log label`);
    }
    if (parts.length !== 3)
      return this.problem(
        source,
        lineNo,
        `${label} needs a client random and a secret, found ${parts.length - 1} field${parts.length === 2 ? '' : 's'}`,
      );
    const random = parts[1]!;
    const secret = parts[2]!;
    if (random.length !== 64 || !HEX.test(random)) return this.problem(source, lineNo, `${label}: the client random is not 64 hex digits`);
    if (secret.length % 2 !== 0 || !HEX.test(secret) || secret.length < 32 || secret.length > 128) {
      return this.problem(source, lineNo, `${label}: the secret is not 16 to 64 bytes of hex`);
    }
    if (label === 'CLIENT_RANDOM' && secret.length !== 96) return this.problem(source, lineNo, 'CLIENT_RANDOM: the master secret is not 48 bytes');
    const key = random.toLowerCase();
    let s = this.byRandom.get(key);
    if (!s) this.byRandom.set(key, (s = {}));
    s[label as KeylogLabel] = Buffer.from(secret, 'hex');
  }

  private problem(source: string, line: number, message: string): void {
    const n = (this.problemCount.get(source) ?? 0) + 1;
    this.problemCount.set(source, n);
    if (n < MAX_KEYLOG_PROBLEMS) this.problems.push({ source, line, message });
    else if (n === MAX_KEYLOG_PROBLEMS)
      this.problems.push({ source, line, message: `${message}; further malformed lines of this key log are skipped without a report` });
  }
}
