// JA3 and JA3S through the whole pipeline (tcpdump -XX text → events) against tshark's own values, hello by
// hello, on the recorded captures and the public ones: the hellos in each flow and direction, in order.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { CAPTURES, FIXTURES, haveShared, haveTool, testIf, tcpdumpText } from '../support/shared.js';

const options = defaultOptions({ events: new Set(['tls.handshake']) });

/** tshark's ja3/ja3s per TCP stream, in frame order: "stream msg hash". */
function tsharkHashes(pcap: string): string[] {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      pcap,
      '-o',
      'tcp.desegment_tcp_streams:TRUE',
      '-o',
      'tcp.reassemble_out_of_order:TRUE',
      '-Y',
      'tls.handshake.type == 1 || tls.handshake.type == 2',
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-e',
      'tcp.stream',
      '-e',
      'tls.handshake.ja3',
      '-e',
      'tls.handshake.ja3s',
      '-e',
      '_ws.expert.severity',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 },
  );
  const rows: string[] = [];
  for (const line of out.split('\n')) {
    const [stream, ja3, ja3s, expert] = line.split('\t');
    if (!stream || (expert ?? '').includes('8388608')) continue; // tshark's malformed hellos give cut strings
    for (const h of (ja3 ?? '').split(',').filter(Boolean)) rows.push(`${stream} client_hello ${h}`);
    for (const h of (ja3s ?? '').split(',').filter(Boolean)) rows.push(`${stream} server_hello ${h}`);
  }
  return rows;
}

function ourHashes(pcap: string): string[] {
  const rows: string[] = [];
  for (const ev of decodeAll(tcpdumpText(pcap, ['-nn', '-XX']), options)) {
    const hash = ev.msg === 'client_hello' ? ev.ja3_hash : ev.msg === 'server_hello' ? ev.ja3s_hash : undefined;
    if (typeof hash === 'string') rows.push(`${ev.flow} ${ev.msg} ${hash}`);
  }
  return rows;
}

function check(pcaps: string[]): void {
  let compared = 0;
  for (const pcap of pcaps) {
    const want = tsharkHashes(pcap).sort();
    if (want.length === 0) continue;
    const got = new Set(ourHashes(pcap));
    for (const w of want) assert.ok(got.has(w), `${pcap}: tshark's ${w} not among ours: ${[...got].join(' | ')}`);
    compared += want.length;
  }
  assert.ok(compared > 0, 'some hellos compared');
}

testIf(haveTool('tshark') && haveTool('tcpdump'), 'tshark or tcpdump is not installed: JA3 against tshark not checked')(
  'ja3: every JA3 and JA3S of the recorded captures equals tshark, through the whole pipeline',
  () => {
    const dir = process.env.TLSDUMP_CAPTURES ?? FIXTURES;
    check(
      readdirSync(dir)
        .filter((f) => f.endsWith('.pcap'))
        .map((f) => join(dir, f)),
    );
  },
);

testIf(haveShared && haveTool('tshark') && haveTool('tcpdump'), '../shared, tshark or tcpdump is absent: the public captures are not checked')(
  'ja3: every JA3 and JA3S of the public zeek and suricata captures equals tshark, through the whole pipeline',
  () => {
    const dirs = ['zeek', 'suricata-verify', 'arkime'].map((d) => join(CAPTURES, d));
    check(
      dirs.flatMap((d) =>
        readdirSync(d)
          .filter((f) => f.endsWith('.pcap'))
          .map((f) => join(d, f)),
      ),
    );
  },
);

test.run();
