// The progress line of the command line (--progress): bytes read of the total, MB/s, connections so far and the time
// left, redrawn on stderr at most every REDRAW_MS and erased at the end. Pure text here; bin/cli.ts decides when.

/** Least time between two redraws. */
export const REDRAW_MS = 250;

/** What the line counts; `flows` is raised by the decoder (createDecoder's `stats`). */
export interface Counts {
  flows: number;
}

const MB = 1e6;

function size(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / MB).toFixed(1)} MB`;
}

function duration(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.ceil(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The line for `read` bytes of `total` (undefined: not known) after `seconds`, with `flows` connections. */
export function progressText(read: number, total: number | undefined, seconds: number, flows: number): string {
  const rate = seconds > 0 ? read / seconds : 0;
  const parts = [total !== undefined && total > 0 ? `${size(read)} of ${size(total)} (${Math.floor((100 * read) / total)}%)` : size(read)];
  parts.push(`${(rate / MB).toFixed(1)} MB/s`);
  parts.push(`${flows} connection${flows === 1 ? '' : 's'}`);
  if (total !== undefined && rate > 0 && read < total) parts.push(`${duration((total - read) / rate)} left`);
  return `tlsdump: ${parts.join(', ')}`;
}

/** Draws the line on a terminal-like stream: each redraw returns to the line's start and clears what was there. */
export class ProgressLine {
  readonly counts: Counts = { flows: 0 };
  private read = 0;
  private readonly start = Date.now();
  private last = -Infinity;
  private drawn = false;

  constructor(
    private readonly out: { write(s: string): unknown },
    private readonly total: number | undefined,
  ) {}

  /** `n` more bytes were read; redraws when REDRAW_MS have passed since the last time. */
  add(n: number): void {
    this.read += n;
    const now = Date.now();
    if (now - this.last < REDRAW_MS) return;
    this.last = now;
    this.out.write(`\r${progressText(this.read, this.total, (now - this.start) / 1000, this.counts.flows)}\x1b[K`);
    this.drawn = true;
  }

  /** Erases the line (the terminal is left as it was before the first draw). */
  end(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
