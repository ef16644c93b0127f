// Stage 1 against tshark on real captures: every TCP packet of the tcpdump text, in every flag variant the
// contract names, must equal tshark's view (addresses, ports, absolute seq, payload length); with -XX also the
// ack, flags, window and payload bytes.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CAPTURES, FIXTURES, haveShared, haveTool, skipGroup, tcpdumpText, testIf } from '../support/shared.js';
import { tsharkPackets } from '../support/tshark-packets.js';
import { codes, stage1, tsharkTuple } from './run.js';

/** The variants of the contract's "Done when", always with -nn. */
const VARIANTS = [
  ['-x'],
  ['-xx'],
  ['-X'],
  ['-XX'],
  ['-v', '-X'],
  ['-vv', '-XX'],
  ['-e', '-xx'],
  ['-tttt', '-X'],
  ['-S', '-XX'],
  ['-tt', '-x'],
  ['-t', '-X'],
  ['-ttt', '-xx'],
];

/** A spread of link layers, IP versions and damage; the shared ones are public captures this code never tuned on alone. */
const SHARED: [string, string][] = [
  ['zeek/tls1.2.pcap', 'IPv4 over Ethernet'],
  ['suricata-verify/tls13-draft28.pcap', 'IPv6 over Ethernet'],
  ['zeek/certificate-request-failed.pcap', 'IPv6, frames longer than 1522 bytes'],
  ['arkime/mysql-tls.pcap', '802.1Q VLAN, bad IP checksums'],
  ['ndpi/smtp-starttls.pcap', 'IPv4 and IPv6 in 802.1Q, a lost segment'],
  ['ndpi/ja3_lots_of_cipher_suites.pcap', 'QinQ'],
  ['ndpi/KakaoTalk_chat.pcap', 'Linux cooked v1, UDP among the TCP'],
  ['zeek/openjdk-25.0.2-zeek.org.pcap', 'Linux cooked v2'],
  ['mercury/sll2_tls.pcap', 'Linux cooked v2, a single packet'],
  ['suricata-verify/bug-5881-01.pcap', 'raw IP'],
  ['ja4/tls-alpn-h2.pcap', 'BSD null/loopback, IPv6'],
  ['zeek/pop3-starttls.pcap', 'BSD null/loopback, IPv4'],
  ['derived/tls1.2-snaplen96.pcap', 'snap length 96'],
  ['derived/client-certificate-snaplen200.pcap', 'snap length 200'],
  ['zeek/pppoe-over-qinq.pcap', 'PPPoE in QinQ, a PPPoE length below the IP length'],
  ['ndpi/tls_invalid_reads.pcap', 'GTP-U in QinQ, an IP length past the end of the frame'],
];

/** The project's own recordings (test/fixtures). */
const OWN: [string, string][] = [
  ['ipv6-tls12.pcap', 'IPv6 over Ethernet (own recording)'],
  ['netem-reorder.pcap', 'reordered segments (own recording)'],
];

/** tshark's packets from `<name>.tshark.json`; tunnels list every layer's address joined by `|`, the TCP is in the innermost. */
function tsharkView(json: string): string[] | undefined {
  const facts = JSON.parse(readFileSync(json, 'utf8')) as { packets?: (string | number)[][] };
  return facts.packets?.map((p) => p.map((x) => (typeof x === 'string' ? x.split('|').pop() : x)).join(' '));
}

const cases: { pcap: string; what: string }[] = [];
if (haveShared) for (const [f, what] of SHARED) cases.push({ pcap: join(CAPTURES, f), what });
for (const [f, what] of OWN) if (existsSync(join(FIXTURES, f))) cases.push({ pcap: join(FIXTURES, f), what });
// TLSDUMP_CAPTURES=DIR adds every capture of a --holdout recording (scripts/record/record.sh), never seen before.
const extra = process.env.TLSDUMP_CAPTURES;
if (extra) for (const f of readdirSync(extra).filter((n) => n.endsWith('.pcap'))) cases.push({ pcap: join(extra, f), what: 'TLSDUMP_CAPTURES' });

skipGroup(
  haveShared,
  'captures: the public captures equal tshark in every tcpdump variant',
  'text/captures: ../shared/captures is absent, only the project’s own captures run',
);

for (const { pcap, what } of cases) {
  const name = pcap.split('/').slice(-2).join('/');
  testIf(haveTool('tcpdump'), 'text/captures: tcpdump is not installed')(
    `captures: ${name} (${what}): every TCP packet equals tshark's view in all ${VARIANTS.length} tcpdump variants`,
    () => {
      const want = tsharkView(pcap.replace(/\.pcap(ng)?$/, '.tshark.json'));
      assert.ok(want && want.length > 0, `${name} has tshark packets`);
      for (const v of VARIANTS) {
        const { packets, events } = stage1(tcpdumpText(pcap, ['-nn', ...v]));
        const got = packets.filter((p) => p.proto === 'tcp').map(tsharkTuple);
        assert.equal(got, want, `${name} ${v.join(' ')}`);
        assert.not.ok(
          codes(events).some((c) => c === 'input.unparsed' || c === 'input.orphan_hex' || c === 'input.no_hex'),
          `${name} ${v.join(' ')}: ${codes(events).join(',')}`,
        );
      }
    },
  );
}

testIf(haveTool('tcpdump'), 'text/captures: tcpdump is not installed')(
  'captures: tcpdump -# (packet numbers first) and service names (-n without the second n) change nothing',
  () => {
    const some = cases.filter(({ pcap }) => /tls1\.2\.pcap|tls-alpn-h2|openjdk|ipv6-tls12/.test(pcap));
    assert.ok(some.length > 0);
    for (const { pcap } of some) {
      const want = tsharkView(pcap.replace(/\.pcap(ng)?$/, '.tshark.json'));
      for (const v of [
        ['-nn', '-#', '-XX'],
        ['-nn', '-#', '-t', '-x'],
        ['-nn', '-#', '-ttt', '-X'],
        ['-n', '-t', '-XX'],
      ]) {
        const { packets, events } = stage1(tcpdumpText(pcap, v));
        assert.equal(packets.filter((p) => p.proto === 'tcp').map(tsharkTuple), want, `${pcap} ${v.join(' ')}`);
        assert.equal(
          codes(events).filter((c) => c !== 'input.truncated'),
          [],
          `${pcap} ${v.join(' ')}`,
        );
      }
    }
  },
);

for (const { pcap } of cases) {
  const name = pcap.split('/').slice(-2).join('/');
  testIf(
    haveTool('tcpdump') && haveTool('tshark'),
    'text/captures: tcpdump or tshark is not installed, acks, flags and payload bytes are not compared',
  )(`captures: ${name} -XX: ack, flags, window and captured payload bytes equal tshark's`, () => {
    const want = tsharkPackets(pcap).map((t) => t.packet);
    const got = stage1(tcpdumpText(pcap, ['-nn', '-XX'])).packets.filter((p) => p.proto === 'tcp');
    assert.is(got.length, want.length);
    for (let i = 0; i < got.length; i++) {
      const g = got[i]!;
      const w = want[i]!;
      assert.equal([g.ack, g.flags, g.win], [w.ack, w.flags, w.win], `${name} packet ${i + 1}`);
      // tshark leaves tcp.payload out of a segment it cannot show whole; then only our captured count is checked.
      if (w.payload.length > 0 || !w.truncated)
        assert.is(Buffer.from(g.payload).toString('hex'), Buffer.from(w.payload).toString('hex'), `${name} packet ${i + 1} payload`);
      assert.ok(g.payload.length <= g.len, `${name} packet ${i + 1} captured <= len`);
    }
  });
}

test.run();
