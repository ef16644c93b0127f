// A capture file as a stream of chunks sized to how fast the decoder takes them: SLOW_READ_BYTES at first and while
// it is slower than SLOW_BYTES_PER_MS, READ_BYTES while it keeps up with the disk. A chunk lives while it waits and
// while it is decoded; big chunks decoded slowly outlive V8's young generation, and the old generation lets up to
// 64 MB of their bytes wait for a full collection (bench/README.md, "Memory under a flood").

import { close, open, read } from 'node:fs';
import { Readable } from 'node:stream';

/** Bytes per read while the decoder keeps up: fewer, bigger reads cost less per byte (bench/README.md). */
export const READ_BYTES = 1 << 20;
/** Bytes per read once the decoder is slower than SLOW_BYTES_PER_MS. */
export const SLOW_READ_BYTES = 256 << 10;
/**
 * Below this rate, in bytes per millisecond (100 MB/s), the next reads are SLOW_READ_BYTES. A flood of half-open
 * connections (bench/flood.ts) decodes at about 30 MB/s of pcap, a handshake-heavy pcap at 30-60 MB/s, long
 * transfers at 150 MB/s and more. Measured on a 25,000-connection flood (pcap), no worker: 1 MiB reads 192 MB peak
 * RSS (65 MB of ArrayBuffers waiting), 256 KiB 153 MB (24 MB). On long transfers (bench bulk.pcap, --events all,
 * about 170 MB/s) a limit of 200 MB/s, which read them in 256 KiB, took 4% more time than 100 MB/s (medians of 8
 * alternated runs): the decoder waits for each read.
 */
export const SLOW_BYTES_PER_MS = 100_000;

class FileInput extends Readable {
  private fd = -1;
  private size = SLOW_READ_BYTES;
  /** When the last read was asked for; the bytes of the last two reads (the one before the last first). */
  private asked = 0;
  private before = 0;
  private last = 0;
  /** A read is in flight: the descriptor is closed only after it (it could be reused meanwhile). */
  private reading = false;
  private closing: (() => void) | undefined;

  constructor(private readonly path: string) {
    // One chunk waits at most: the next is read once the decoder takes this one.
    super({ highWaterMark: SLOW_READ_BYTES });
  }

  override _construct(cb: (err?: Error | null) => void): void {
    open(this.path, 'r', (err, fd) => {
      if (err) return cb(err);
      this.fd = fd;
      cb();
    });
  }

  override _read(): void {
    // One chunk waits while the decoder has the one before it: a read is asked for as the decoder takes a chunk,
    // so the time between two asks is how long it took the chunk read two reads ago (the first two asks come one
    // right after the other).
    const now = performance.now();
    if (this.before > 0) this.size = this.before < SLOW_BYTES_PER_MS * (now - this.asked) ? SLOW_READ_BYTES : READ_BYTES;
    this.asked = now;
    const buf = Buffer.allocUnsafeSlow(this.size);
    this.reading = true;
    read(this.fd, buf, 0, buf.length, null, (err, n) => {
      this.reading = false;
      if (this.closing) return this.closing();
      if (err) return this.destroy(err);
      this.before = this.last;
      this.last = n;
      this.push(n === 0 ? null : n < buf.length ? buf.subarray(0, n) : buf);
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const fd = this.fd;
    if (fd < 0) return cb(err);
    this.fd = -1;
    this.closing = () => close(fd, () => cb(err));
    if (!this.reading) this.closing();
  }
}

/** The file at `path` as a byte stream for the decoders (an error when it cannot be opened or read). */
export function fileInput(path: string): Readable {
  return new FileInput(path);
}
