// Real captures, damaged on purpose (test/tcp/mutate.ts), through stage 2 alone: the reassembled bytes stay the
// same under reordering, duplicates, missing SYNs and sequence wrap-around; a dropped segment gives exactly one
// tcp.gap of its size, and delivery resumes after it, with or without reordering around it; a conflicting
// overlap gives tcp.overlap_conflict and changes nothing delivered.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event, Packet } from '../../lib/events.js';
import { CAPTURES, FIXTURES, haveShared, haveTool, testIf } from '../support/shared.js';
import { tsharkPackets } from '../support/tshark-packets.js';
import { codes, reassemble, type FlowSeen, type Run } from './harness.js';
import { droppable, duplicate, locate, nearWrap, reverseWindows, withoutSyns } from './mutate.js';

const SHARED = [
  'zeek/tls1.2.pcap',
  'zeek/client-certificate.pcap',
  'zeek/dhe.pcap',
  'zeek/hrr.pcap',
  'zeek/tls13_psk_succesfull.pcap',
  'zeek/pppoe-over-qinq.pcap',
  'suricata-verify/bug-2769.pcap',
  'suricata-verify/bug-5881-01.pcap',
  'suricata-verify/tls-client-hello-frag-01.pcap',
  'ndpi/tls_verylong_certificate.pcap',
  'ndpi/ftp-start-tls.pcap',
  'arkime/openssl-tls1_2.pcap',
  'suricata-verify/tls-store-02-client-auth.pcap',
];
const OWN = ['netem-reorder.pcap', 'netem-loss.pcap', 'netem-dup.pcap', 'mtls12-ok.pcap', 'many-flows.pcap', 'ipv6-tls12.pcap'];

interface Capture {
  name: string;
  packets: Packet[];
  base: Run;
}

let loaded: Capture[] | undefined;
function captures(): Capture[] {
  if (loaded) return loaded;
  const paths = [
    ...(haveShared ? SHARED.map((n) => join(CAPTURES, n)) : []),
    ...(existsSync(FIXTURES)
      ? readdirSync(FIXTURES)
          .filter((f) => OWN.includes(f))
          .map((f) => join(FIXTURES, f))
      : []),
  ].filter((p) => existsSync(p));
  loaded = paths.map((path) => {
    const packets = tsharkPackets(path).map((t) => t.packet);
    return { name: path.slice(path.lastIndexOf('/', path.lastIndexOf('/') - 1) + 1), packets, base: reassemble(packets) };
  });
  return loaded;
}

/** These tests read the captures through tshark; the project's own fixtures are always there. */
const withTshark = testIf(haveTool('tshark'), 'tshark is not installed: TCP mutations');

/** A flow's bytes by sending endpoint, and its gaps, keyed by its two endpoints. */
function byEndpoints(run: Run): Map<string, { flow: FlowSeen; from: Map<string, Buffer> }[]> {
  const out = new Map<string, { flow: FlowSeen; from: Map<string, Buffer> }[]>();
  for (const f of run.flows.values()) {
    const key = [f.client, f.server].sort().join(' ');
    const from = new Map([
      [f.client!, f.c2s],
      [f.server!, f.s2c],
    ]);
    const list = out.get(key) ?? [];
    list.push({ flow: f, from });
    out.set(key, list);
  }
  return out;
}

/** Every flow that carried bytes before carries the same bytes from the same endpoints, with as many gaps. */
function sameStreams(name: string, base: Run, got: Run, what: string, problems: string[], sameRoles = true): void {
  const a = byEndpoints(base);
  const b = byEndpoints(got);
  for (const [key, list] of a) {
    list.forEach((x, i) => {
      if (x.flow.c2s.length + x.flow.s2c.length === 0) return;
      const y = b.get(key)?.filter((f) => f.flow.c2s.length + f.flow.s2c.length > 0)[i];
      if (!y) return problems.push(`${name} ${what}: flow ${key} is gone`);
      for (const [ep, bytes] of x.from) {
        if (!y.from.get(ep)?.equals(bytes)) problems.push(`${name} ${what}: ${key} from ${ep}: ${y.from.get(ep)?.length} bytes, was ${bytes.length}`);
      }
      if ((y.flow.close?.gaps ?? 0) !== (x.flow.close?.gaps ?? 0))
        problems.push(`${name} ${what}: ${key}: ${y.flow.close?.gaps} gaps, was ${x.flow.close?.gaps}`);
      const tls = x.flow.c2s[0] === 0x16 || (x.flow.c2s[0]! & 0x80) !== 0;
      if (sameRoles && tls && y.flow.client !== x.flow.client)
        problems.push(`${name} ${what}: ${key}: client ${y.flow.client}, was ${x.flow.client}`);
    });
  }
}

withTshark('mutations: segments reordered (each window of 3 packets reversed) give the same bytes per flow and direction, and no new gap', () => {
  const problems: string[] = [];
  for (const c of captures()) sameStreams(c.name, c.base, reassemble(reverseWindows(c.packets, 3)), 'reordered', problems);
  assert.equal(problems, []);
});

withTshark('mutations: 10% of packets duplicated give the same bytes, counted as retransmissions', () => {
  const problems: string[] = [];
  let counted = 0;
  for (const c of captures()) {
    const run = reassemble(duplicate(c.packets, 0.1, 11, (p) => ({ ...p })));
    sameStreams(c.name, c.base, run, 'duplicated', problems);
    counted += codes(run.anomalies, 'tcp.retransmission').reduce((n, a) => n + (a.count as number), 0);
    counted -= codes(c.base.anomalies, 'tcp.retransmission').reduce((n, a) => n + (a.count as number), 0);
  }
  assert.equal(problems, []);
  assert.ok(counted > 0, 'the duplicates were counted');
});

withTshark('mutations: every SYN removed gives the same bytes and the same client, with tcp.midstream', () => {
  const problems: string[] = [];
  for (const c of captures()) {
    const run = reassemble(withoutSyns(c.packets));
    sameStreams(c.name, c.base, run, 'without SYNs', problems);
    for (const f of run.flows.values()) {
      if (f.c2s.length > 0 && !f.anomalies.some((a) => a.code === 'tcp.midstream' && a.dir === 'c2s'))
        problems.push(`${c.name}: flow ${f.flow} has no tcp.midstream`);
    }
  }
  assert.equal(problems, []);
});

withTshark('mutations: sequence numbers moved next to 2^32 (the streams wrap) change nothing', () => {
  const strip = (evs: Event[]): string[] => evs.map((e) => JSON.stringify([e.code, e.flow, e.dir, e.line, e.missing, e.count, e.bytes])).sort();
  const problems: string[] = [];
  for (const c of captures()) {
    const run = reassemble(nearWrap(c.packets, 700));
    sameStreams(c.name, c.base, run, 'near 2^32', problems);
    if (JSON.stringify(strip(run.anomalies)) !== JSON.stringify(strip(c.base.anomalies))) problems.push(`${c.name} near 2^32: anomalies differ`);
  }
  assert.equal(problems, []);
});

/** The server side of a packet: is its sender some flow's server in the baseline? */
function fromServer(c: Capture): (p: Packet) => boolean {
  const servers = new Set([...c.base.flows.values()].map((f) => f.server));
  return (p) => servers.has(p.src.includes(':') ? `[${p.src}]:${p.sport}` : `${p.src}:${p.sport}`);
}

function dropCheck(c: Capture, reorder: boolean, problems: string[]): boolean {
  const d = droppable(c.packets, fromServer(c));
  if (!d) return false;
  const damaged = c.packets.filter((_, i) => i !== d.index);
  const ps = reorder ? reverseWindows(damaged, 3) : damaged;
  const run = reassemble(ps);
  const what = `${c.name} without frame ${d.p.line}${reorder ? ', reordered' : ''}`;
  const sender = d.p.src.includes(':') ? `[${d.p.src}]:${d.p.sport}` : `${d.p.src}:${d.p.sport}`;
  const base = [...c.base.flows.values()].find(
    (f) => f.server === sender && (f.client === `${d.p.dst}:${d.p.dport}` || f.client === `[${d.p.dst}]:${d.p.dport}`),
  );
  const flow = [...run.flows.values()].find((f) => f.server === base?.server && f.client === base?.client);
  if (!base || !flow) {
    problems.push(`${what}: flow not found`);
    return true;
  }
  if (base.close?.gaps) return false;
  const want = Buffer.concat([base.s2c.subarray(0, d.start), base.s2c.subarray(d.end)]);
  if (!flow.s2c.equals(want)) problems.push(`${what}: s2c has ${flow.s2c.length} bytes, want ${want.length}`);
  if (!flow.c2s.equals(base.c2s)) problems.push(`${what}: c2s changed`);
  const gaps = codes(flow.anomalies, 'tcp.gap');
  // The bytes after the hole come from the first packet that carried them.
  const next = locate(ps).find((l) => l.dir === d.dir && l.start <= d.end && l.end > d.end);
  if (gaps.length !== 1) problems.push(`${what}: ${gaps.length} gaps`);
  else {
    const g = gaps[0]!;
    if (g.dir !== 's2c' || g.missing !== d.p.len || g.line !== next?.p.line) {
      problems.push(`${what}: gap ${g.dir} ${g.missing} bytes at line ${g.line}, want s2c ${d.p.len} at ${next?.p.line}`);
    }
  }
  if (!flow.chunks.some((x) => x[0] === 's2c' && x[2] && x[3] === next?.p.line))
    problems.push(`${what}: no afterGap delivery at line ${next?.p.line}`);
  if (flow.close?.gaps !== 1) problems.push(`${what}: close says ${flow.close?.gaps} gaps`);
  return true;
}

withTshark('mutations: one data segment dropped gives one tcp.gap with its byte count and the next line, then delivery afterGap', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const c of captures()) if (dropCheck(c, false, problems)) checked++;
  assert.equal(problems, []);
  assert.ok(checked >= captures().length / 2, `${checked} of ${captures().length} captures checked`);
  process.stderr.write(`  dropped-segment checks: ${checked} of ${captures().length} captures\n`);
});

withTshark('mutations: reordering and loss at once: the dropped segment is one gap and every other byte still arrives in order', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const c of captures()) if (dropCheck(c, true, problems)) checked++;
  assert.equal(problems, []);
  assert.ok(checked >= captures().length / 2, `${checked} of ${captures().length} captures checked`);
  process.stderr.write(`  dropped-segment checks: ${checked} of ${captures().length} captures\n`);
});

withTshark('mutations: a copy of a segment with one byte changed gives tcp.overlap_conflict at its line, and the first copy stands', () => {
  const problems: string[] = [];
  for (const c of captures()) {
    const all = locate(c.packets).filter((l) => l.p.len >= 8 && !l.p.truncated);
    const x = all[Math.floor(all.length / 2)];
    if (!x) continue;
    const bad = Buffer.from(x.p.payload);
    bad[bad.length >> 1]! ^= 0xff;
    const copy: Packet = { ...x.p, payload: bad, line: 1_000_000 + x.p.line! };
    const ps = [...c.packets];
    ps.splice(Math.min(ps.length, x.index + 3), 0, copy);
    const run = reassemble(ps);
    sameStreams(c.name, c.base, run, 'with a conflicting copy', problems);
    const got = codes(run.anomalies, 'tcp.overlap_conflict').filter((a) => a.line === copy.line);
    if (got.length !== 1) problems.push(`${c.name}: ${got.length} overlap conflicts at the copy`);
    else if (!((got[0]!.bytes as number) >= 1 && (got[0]!.bytes as number) <= x.p.len))
      problems.push(`${c.name}: conflict of ${got[0]!.bytes} bytes`);
  }
  assert.equal(problems, []);
});

test.run();
