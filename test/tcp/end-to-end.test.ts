// Stage 2 (tcp) inside the whole pipeline, from tcpdump text: the seed article's out-of-order server segment, and
// the TLS facts of every flow staying the same when the text is damaged the way captures are damaged: packets
// reordered (windows of 3), 10% of them duplicated, every SYN removed, one data segment dropped.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event } from '../../lib/events.js';
import { EVENT_TYPES } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { CAPTURES, FIXTURES, SHARED, haveShared, haveTool, testIf, tcpdumpText } from '../support/shared.js';
import { tsharkPackets } from '../support/tshark-packets.js';
import { duplicate, reverseWindows } from './mutate.js';

const ALL = defaultOptions({ events: new Set(EVENT_TYPES) });
/** Reversed windows can move a packet back across a long pause in a capture (minutes between connections),
 *  which would close a flow by idle timeout in one run and not the other: timeouts are not under test here. */
const NO_TIMEOUT = defaultOptions({ events: new Set(EVENT_TYPES), idleTimeout: 1e9 });

/** tcpdump text cut into packets: a header line and the indented lines under it. */
function packets(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (/^\s/.test(line) && out.length > 0) out[out.length - 1] += line + '\n';
    else out.push(line + '\n');
  }
  return out;
}

const isSyn = (block: string): boolean => /Flags \[[^\]]*S/.test(block.slice(0, block.indexOf('\n')));

/** What a user learns about TLS from a flow, without where it was found (lines, times, flow numbers). */
function facts(events: Event[]): Map<string, string[]> {
  const names = new Map<number, string>();
  const out = new Map<string, string[]>();
  const strip = ({ line: _l, ts: _t, flow: _f, frame: _fr, ...rest }: Event): string => JSON.stringify(rest);
  for (const ev of events) {
    if (ev.type === 'flow' && ev.event === 'open') names.set(ev.flow as number, `${ev.client} ${ev.server}`);
    if (ev.type !== 'tls.handshake' && ev.type !== 'tls.alert' && ev.type !== 'tls.session') continue;
    const key = names.get(ev.flow as number) ?? `?${ev.flow}`;
    const list = out.get(key) ?? [];
    list.push(ev.type === 'tls.session' ? strip({ ...ev, diagnoses: undefined, history: undefined, end: undefined } as Event) : strip(ev));
    out.set(key, list);
  }
  return out;
}

function compare(name: string, what: string, base: Map<string, string[]>, got: Map<string, string[]>, problems: string[]): void {
  for (const [key, list] of base) {
    const other = got.get(key);
    if (!other) {
      problems.push(`${name} ${what}: flow ${key} has no TLS events`);
      continue;
    }
    for (let i = 0; i < Math.max(list.length, other.length); i++) {
      if (list[i] !== other[i]) {
        problems.push(`${name} ${what}: flow ${key}, event ${i}: ${(other[i] ?? 'none').slice(0, 160)} … was ${(list[i] ?? 'none').slice(0, 160)}`);
        break;
      }
    }
  }
}

const SHARED_TLS = [
  'zeek/tls1.2.pcap',
  'zeek/client-certificate.pcap',
  'zeek/dhe.pcap',
  'zeek/hrr.pcap',
  'zeek/tls13_psk_succesfull.pcap',
  'suricata-verify/bug-2769.pcap',
  'suricata-verify/bug-5881-01.pcap',
  'suricata-verify/tls-client-hello-frag-01.pcap',
  'ndpi/tls_verylong_certificate.pcap',
  'suricata-verify/tls-store-02-client-auth.pcap',
  'zeek/certificate-request-failed.pcap',
];

function allShared(): string[] {
  const out: string[] = [];
  for (const d of readdirSync(CAPTURES, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(join(CAPTURES, d.name))) if (/\.pcap(ng)?$/.test(f)) out.push(join(CAPTURES, d.name, f));
  }
  return out.sort();
}

/**
 * The project's recordings (or, with TLSDUMP_CAPTURES=DIR, a --holdout recording never seen before) and chosen
 * shared captures; every shared capture with TLSDUMP_ALL_CAPTURES=1.
 */
function inputs(): string[] {
  const dir = process.env.TLSDUMP_CAPTURES ?? FIXTURES;
  const own = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.pcap'))
        .map((f) => join(dir, f))
    : [];
  if (!haveShared) return own;
  const shared = process.env.TLSDUMP_ALL_CAPTURES ? allShared() : SHARED_TLS.map((n) => join(CAPTURES, n)).filter((p) => existsSync(p));
  return [...own, ...shared];
}

const seed = join(SHARED, 'seed', '000_f61e09c4f4cda515.txt');
testIf(existsSync(seed), '../shared/seed is absent')(
  "end to end: the seed's first trace: the out-of-order server segment completes the server's Certificate",
  () => {
    const evs = decodeAll(readFileSync(seed), ALL);
    const flow0 = evs.filter((e) => e.flow === 0);
    const hs = flow0.filter((e) => e.type === 'tls.handshake').map((e) => `${e.dir} ${e.msg}`);
    assert.equal(hs.slice(0, 4), ['c2s client_hello', 's2c server_hello', 's2c certificate', 's2c server_hello_done']);
    const cert = flow0.find((e) => e.msg === 'certificate')!;
    assert.is((cert.certs as { subject: string }[])[0]!.subject.includes('CN=www.google.com'), true);
    const ooo = flow0.filter((e) => e.code === 'tcp.out_of_order');
    assert.is(ooo.length, 1);
    assert.is(ooo[0]!.dir, 's2c');
    // The segment that arrived late is "1:1419(1418)", whose summary line is line 202 of the article.
    assert.is(ooo[0]!.line, 202);
    assert.is(flow0.filter((e) => e.code === 'tcp.gap' && !e.at_end).length, 0, 'no hole before the certificate');
    const open = flow0.find((e) => e.type === 'flow' && e.event === 'open')!;
    assert.is(open.client, '216.182.45.246:63875');
  },
);

testIf(haveTool('tcpdump'), 'tcpdump is not installed')(
  'end to end: TLS facts of every flow stay the same when the text is reordered (windows of 3), 10% duplicated, or without SYNs',
  () => {
    const files = inputs();
    assert.ok(files.length > 0, 'no captures (../shared or test/fixtures)');
    const problems: string[] = [];
    let flows = 0;
    for (const pcap of files) {
      const name = pcap.slice(pcap.lastIndexOf('/') + 1);
      const blocks = packets(tcpdumpText(pcap, ['-nn', '-xx']).toString('latin1'));
      const base = facts(decodeAll(blocks.join(''), NO_TIMEOUT));
      flows += base.size;
      compare(name, 'reordered', base, facts(decodeAll(reverseWindows(blocks, 3).join(''), NO_TIMEOUT)), problems);
      compare(name, 'duplicated', base, facts(decodeAll(duplicate(blocks, 0.1, 5).join(''), NO_TIMEOUT)), problems);
      compare(name, 'without SYNs', base, facts(decodeAll(blocks.filter((b) => !isSyn(b)).join(''), NO_TIMEOUT)), problems);
    }
    assert.equal(problems, []);
    assert.ok(flows >= 30, `${flows} TLS flows compared`);
  },
);

testIf(haveTool('tcpdump') && haveTool('tshark'), 'tcpdump or tshark is not installed')(
  'end to end: flows read from tcpdump text are numbered as tshark numbers tcp.stream, with the same endpoints',
  () => {
    const files = inputs();
    assert.ok(files.length > 0, 'no captures (../shared or test/fixtures)');
    const ep = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
    const problems: string[] = [];
    let streams = 0;
    for (const pcap of files) {
      const name = pcap.slice(pcap.lastIndexOf('/') + 1);
      const evs = decodeAll(tcpdumpText(pcap, ['-nn', '-xx']), defaultOptions({ events: new Set(['flow']) }));
      const opens = new Map(evs.filter((e) => e.event === 'open').map((e) => [e.flow as number, [e.client, e.server].sort().join(' ')]));
      const want = new Map<number, string>();
      for (const t of tsharkPackets(pcap)) {
        if (!want.has(t.stream)) want.set(t.stream, [ep(t.packet.src, t.packet.sport), ep(t.packet.dst, t.packet.dport)].sort().join(' '));
      }
      streams += want.size;
      if (opens.size !== want.size) problems.push(`${name}: ${opens.size} flows, tshark ${want.size} streams`);
      for (const [n, eps] of want) if (opens.get(n) !== eps) problems.push(`${name}: flow ${n} is ${opens.get(n)}, tcp.stream ${n} is ${eps}`);
    }
    assert.equal(problems, []);
    assert.ok(streams >= 50, `${streams} streams compared`);
  },
);

testIf(haveTool('tcpdump'), 'tcpdump is not installed')(
  'end to end: a dropped server segment in the text gives tcp.gap and decoding resumes after it',
  () => {
    const pcap = join(FIXTURES, 'tls12-ecdhe.pcap');
    const blocks = packets(tcpdumpText(pcap, ['-nn', '-xx']).toString('latin1'));
    // The server's first data segment holds ServerHello and the start of its Certificate (1448 bytes).
    const i = blocks.findIndex((b) => / > 10\.99\.0\.1\.\d+: Flags \[[^\]]*\], seq \d+:\d+, .*length 1448/.test(b));
    assert.ok(i > 0, 'found the server segment');
    const evs = decodeAll(blocks.filter((_, j) => j !== i).join(''), ALL);
    const gap = evs.filter((e) => e.code === 'tcp.gap');
    assert.is(gap.length, 1);
    assert.is(gap[0]!.dir, 's2c');
    assert.is(gap[0]!.missing, 1448);
    const after = evs.filter((e) => e.type === 'tls.handshake' && e.dir === 's2c').map((e) => e.msg);
    assert.not.ok(after.includes('server_hello'), 'the ServerHello was in the dropped segment');
    assert.ok(after.includes('server_hello_done'), `decoding resumed after the gap: ${after.join(', ')}`);
    const session = evs.find((e) => e.type === 'tls.session')!;
    assert.ok((session.diagnoses as { code: string }[]).some((d) => d.code === 'capture_gap'));
  },
);

test.run();
