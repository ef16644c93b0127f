// Renders bytes as tcpdump prints them (print-ascii.c), for tests that need text tcpdump cannot make from a
// capture: 3.x lines without offsets, excerpts, and packets built field by field.

/** `\t0x0010:  4500 003c …` lines; with `ascii` the -X column after the padded groups. */
export function hexDump(b: Uint8Array, opts: { ascii?: boolean; from?: number } = {}): string {
  const out: string[] = [];
  for (let off = opts.from ?? 0; off < b.length; off += 16) {
    const chunk = b.subarray(off, Math.min(off + 16, b.length));
    let groups = '';
    for (let i = 0; i < chunk.length; i += 2) {
      groups += (i ? ' ' : '') + chunk[i]!.toString(16).padStart(2, '0') + (i + 1 < chunk.length ? chunk[i + 1]!.toString(16).padStart(2, '0') : '');
    }
    let line = `\t0x${off.toString(16).padStart(4, '0')}:  ${groups}`;
    if (opts.ascii) line = line.padEnd(9 + 40 + 1) + ' ' + Array.from(chunk, (c) => (c > 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');
    out.push(line);
  }
  return out.join('\n') + '\n';
}

/** tcpdump 3.x `-x`: groups only, 8 to a line, indented by tabs, no offsets. */
export function bareDump(b: Uint8Array): string {
  const out: string[] = [];
  for (let off = 0; off < b.length; off += 16) {
    const chunk = b.subarray(off, Math.min(off + 16, b.length));
    let groups = '';
    for (let i = 0; i < chunk.length; i += 2) {
      groups += ' ' + chunk[i]!.toString(16).padStart(2, '0') + (i + 1 < chunk.length ? chunk[i + 1]!.toString(16).padStart(2, '0') : '');
    }
    out.push('\t\t\t' + groups);
  }
  return out.join('\n') + '\n';
}
