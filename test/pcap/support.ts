// Real captures for the pcap tests: every pcap/pcapng of ../shared/captures and test/fixtures, the text stage
// run the way the pipeline runs it, and the conversions (editcap) the tests compare against.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Event, Packet } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { TextPackets } from '../../lib/text/index.js';
import { LineSplitter } from '../../lib/text/lines.js';
import { CAPTURES, FIXTURES, haveShared } from '../support/shared.js';
import type { Stage } from './build.js';

/** Every capture file, shared ones first (relative names for messages). */
export function captureFiles(): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|cap)$/.test(e)) out.push({ name: relative(CAPTURES, p), path: p });
    }
  };
  if (haveShared) walk(CAPTURES);
  if (existsSync(FIXTURES))
    for (const e of readdirSync(FIXTURES).sort()) if (e.endsWith('.pcap')) out.push({ name: `fixtures/${e}`, path: join(FIXTURES, e) });
  return out;
}

/** Stage 1 over tcpdump text, as the pipeline runs it (LineSplitter → TextPackets). */
export function textStage(input: Uint8Array): Stage {
  const o = defaultOptions();
  const out: Stage = { packets: [], events: [], all: [] };
  const tp = new TextPackets(
    o,
    (p: Packet) => {
      out.packets.push(p);
      out.all.push(p);
    },
    (e: Event) => {
      out.events.push(e);
      out.all.push(e);
    },
  );
  const ls = new LineSplitter(o.maxLineBytes, tp);
  ls.push(input);
  ls.end();
  tp.end();
  return out;
}

/** tcpdump -nn -XX -tt text of a capture; with `nano`, 9-digit stamps (--time-stamp-precision=nano). */
export function xxText(path: string, nano = false): Buffer {
  const flags = [...(nano ? ['--time-stamp-precision=nano'] : []), '-nn', '-XX', '-tt', '-r', path];
  return execFileSync('tcpdump', flags, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** The capture converted by editcap to another file type (pcapng, nsecpcap, modpcap, …). */
export function editcap(path: string, type: string): Buffer {
  return execFileSync('editcap', ['-F', type, path, '-'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** An ISO stamp's fraction padded to 9 digits, to compare a µs stamp with a ns one. */
export function ts9(ts: unknown): unknown {
  if (typeof ts !== 'string') return ts;
  return ts.replace(/\.(\d{1,9})Z$/, (_, f: string) => `.${f.padEnd(9, '0')}Z`);
}
