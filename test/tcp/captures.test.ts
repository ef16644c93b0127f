// Stage 2 (tcp) against tshark on real captures: the shared public captures (a chosen set; all of them with
// TLSDUMP_ALL_CAPTURES=1) and the project's own recordings in test/fixtures (reordered, lossy, duplicated).

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CAPTURES, FIXTURES, haveShared, haveTool, testIf } from '../support/shared.js';
import { compareWithTshark } from './oracle.js';

const CHOSEN = [
  // named in SOURCES.md for retransmissions, out-of-order and lost segments
  'zeek/dhe.pcap',
  'zeek/hrr.pcap',
  'suricata-verify/bug-2769.pcap',
  'zeek/pppoe-over-qinq.pcap',
  'zeek/tls13_psk_succesfull.pcap',
  'suricata-verify/bug-5881-01.pcap',
  'ndpi/ftp-start-tls.pcap',
  'zeek/ssl.v3.pcap',
  'ndpi/tls_invalid_reads.pcap',
  'ndpi/smtp-starttls.pcap',
  'ndpi/google_ssl.pcap',
  'ndpi/KakaoTalk_chat.pcap',
  // clean, multi-segment
  'zeek/tls1.2.pcap',
  'zeek/client-certificate.pcap',
  'suricata-verify/tls-client-hello-frag-01.pcap',
  'ndpi/tls_verylong_certificate.pcap',
  'ndpi/tls_with_huge_ch.pcapng',
  'arkime/openssl-tls1_2.pcap',
  // IPv6, mid-stream, one direction, truncated, several connections, link types
  'suricata-verify/tls-store-02-client-auth.pcap',
  'scapy/tls_new-session-ticket.pcap',
  'ndpi/tls_1.2_unidirectional_client.pcapng',
  'derived/tls1.2-snaplen96.pcap',
  'ja4/tls-handshake.pcapng',
  'mercury/sll2_tls.pcap',
  'zeek/tls13draft16-ff52.a01.pcap',
];

function allCaptures(): string[] {
  const out: string[] = [];
  for (const d of readdirSync(CAPTURES, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(join(CAPTURES, d.name))) if (/\.pcap(ng)?$/.test(f)) out.push(`${d.name}/${f}`);
  }
  return out.sort();
}

const tshark = haveTool('tshark');

testIf(tshark && haveShared, !tshark ? 'tshark is not installed' : '../shared/captures is absent')(
  "captures: flows are numbered as tcp.stream, and each direction's bytes and gaps equal tshark's follow,tcp,raw",
  () => {
    const names = process.env.TLSDUMP_ALL_CAPTURES ? allCaptures() : CHOSEN.filter((n) => existsSync(join(CAPTURES, n)));
    const problems: string[] = [];
    let streams = 0;
    let directions = 0;
    let withGaps = 0;
    for (const name of names) {
      const r = compareWithTshark(join(CAPTURES, name));
      streams += r.streams;
      directions += r.directions;
      withGaps += r.withGaps;
      for (const p of r.problems) problems.push(`${name}: ${p}`);
    }
    assert.equal(problems, []);
    assert.ok(directions > 100, `${directions} directions compared`);
    assert.ok(withGaps >= 2, 'some directions with gaps agreed with tshark too');
    process.stderr.write(`  tcp oracle: ${names.length} captures, ${streams} streams, ${directions} directions, ${withGaps} with gaps\n`);
  },
);

testIf(tshark, 'tshark is not installed')(
  'captures: the project recordings (reorder, loss at the receiver and at the sender, duplicates) equal tshark and lose nothing',
  () => {
    // TLSDUMP_CAPTURES=DIR: a --holdout recording of the same scenarios (scripts/record/record.sh), never seen before.
    const dir = process.env.TLSDUMP_CAPTURES ?? FIXTURES;
    const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.pcap')) : [];
    assert.ok(names.length > 0, `no captures in ${dir}`);
    const problems: string[] = [];
    for (const name of names) {
      const r = compareWithTshark(join(dir, name));
      for (const p of r.problems) problems.push(`${name}: ${p}`);
      for (const f of r.run.flows.values()) {
        // Every byte lost on the wire was retransmitted and captured (test/fixtures/README.md).
        if (f.close?.gaps) problems.push(`${name}: flow ${f.flow} has ${f.close.gaps} gaps`);
        if (!['fin', 'rst'].includes(f.close?.end ?? '')) problems.push(`${name}: flow ${f.flow} ends ${f.close?.end}`);
      }
    }
    assert.equal(problems, []);
    const reorder = names.includes('netem-reorder.pcap') ? compareWithTshark(join(dir, 'netem-reorder.pcap')).run.flows.get(0) : undefined;
    if (reorder) {
      assert.ok(
        reorder.anomalies.some((a) => a.code === 'tcp.out_of_order' && a.dir === 's2c'),
        'netem-reorder: out-of-order reported',
      );
      assert.is(reorder.close!.bytes.s2c, reorder.s2c.length);
    }
  },
);

test.run();
