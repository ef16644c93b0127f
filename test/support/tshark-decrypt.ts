// The decryption oracle: tshark given a key log (`-o tls.keylog_file:K`), reduced per TCP stream and direction
// to the handshake message types and alert descriptions it shows, and the same view of tlsdump's events.
// tshark's answers are cached in a JSON file keyed by the SHA-256 of capture and key log, so tests stay cheap
// and run where tshark is absent.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Event } from '../../lib/events.js';
import { haveTool } from './shared.js';

export interface DirView {
  hs: number[];
  alerts: number[];
}
/** Per TCP stream (tshark's tcp.stream = tlsdump's flow): what each direction showed. */
export type DecryptView = Record<string, { c2s: DirView; s2c: DirView }>;

function empty(): { c2s: DirView; s2c: DirView } {
  return { c2s: { hs: [], alerts: [] }, s2c: { hs: [], alerts: [] } };
}

function digest(pcap: string, keylog: string | undefined): string {
  const h = createHash('sha256').update(readFileSync(pcap));
  if (keylog) h.update(readFileSync(keylog));
  return h.digest('hex');
}

/** Runs tshark (out-of-order reassembly on, as the fixtures were checked) with the key log. */
export function tsharkView(pcap: string, keylog: string | undefined): DecryptView {
  const args = [
    '-r',
    pcap,
    '-o',
    'tcp.reassemble_out_of_order:TRUE',
    '-Y',
    'tcp',
    '-T',
    'fields',
    '-E',
    'separator=\t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
  ];
  if (keylog) args.push('-o', `tls.keylog_file:${keylog}`);
  args.push(
    '-e',
    'tcp.stream',
    '-e',
    'tcp.flags.syn',
    '-e',
    'tcp.flags.ack',
    '-e',
    'ip.src',
    '-e',
    'ipv6.src',
    '-e',
    'tcp.srcport',
    '-e',
    'tls.handshake.type',
    '-e',
    'tls.alert_message.desc',
  );
  const out = execFileSync('tshark', args, { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const view: DecryptView = {};
  const client = new Map<string, string>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [stream, syn, ack, ip4, ip6, port, hs, alerts] = line.split('\t');
    const from = `${ip4 || ip6}:${port}`;
    const s = stream!;
    // The client: the sender of a SYN without ACK, else of the first packet.
    if (syn === '1' && ack === '0') client.set(s, from);
    else if (!client.has(s)) client.set(s, from);
    const v = (view[s] ??= empty());
    const dir = client.get(s) === from ? v.c2s : v.s2c;
    if (hs) dir.hs.push(...hs.split(',').map(Number));
    if (alerts) dir.alerts.push(...alerts.split(',').map(Number));
  }
  return view;
}

/** tshark's view, from the cache when capture and key log are unchanged, else by running tshark (when installed). */
export function cachedTsharkView(cacheFile: string, name: string, pcap: string, keylog: string | undefined): DecryptView | undefined {
  const cache: Record<string, { sha256: string; view: DecryptView }> = existsSync(cacheFile) ? JSON.parse(readFileSync(cacheFile, 'utf8')) : {};
  const sha = digest(pcap, keylog);
  const hit = cache[name];
  if (hit && hit.sha256 === sha) return hit.view;
  if (!haveTool('tshark')) return undefined;
  const view = tsharkView(pcap, keylog);
  cache[name] = { sha256: sha, view };
  const sorted = Object.fromEntries(
    Object.keys(cache)
      .sort()
      .map((k) => [k, cache[k]]),
  );
  writeFileSync(cacheFile, JSON.stringify(sorted, null, 1) + '\n');
  return view;
}

/** The same view of tlsdump's events (`--events all`). */
export function eventsView(events: readonly Event[]): DecryptView {
  const view: DecryptView = {};
  for (const ev of events) {
    if (ev.type !== 'tls.handshake' && ev.type !== 'tls.alert') continue;
    const v = (view[String(ev.flow)] ??= empty());
    const dir = ev.dir === 's2c' ? v.s2c : v.c2s;
    if (ev.type === 'tls.handshake' && typeof ev.msg_id === 'number' && ev.sslv2 !== true) dir.hs.push(ev.msg_id);
    if (ev.type === 'tls.alert' && typeof ev.description_id === 'number') dir.alerts.push(ev.description_id);
  }
  return view;
}

/** Differences between two views, as lines (empty when they agree). Streams with nothing in either are equal. */
export function compareViews(want: DecryptView, got: DecryptView): string[] {
  const diffs: string[] = [];
  for (const s of new Set([...Object.keys(want), ...Object.keys(got)])) {
    const w = want[s] ?? empty();
    const g = got[s] ?? empty();
    for (const d of ['c2s', 's2c'] as const) {
      for (const k of ['hs', 'alerts'] as const) {
        if (w[d][k].join(',') !== g[d][k].join(','))
          diffs.push(`stream ${s} ${d} ${k}: tshark [${w[d][k].join(',')}] tlsdump [${g[d][k].join(',')}]`);
      }
    }
  }
  return diffs;
}
