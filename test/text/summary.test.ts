import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ACK, FIN, PSH, RST, SYN } from '../../lib/events.js';
import { LINKTYPE } from '../../lib/net/link.js';
import { linkHint, parseSummary } from '../../lib/text/summary.js';

test('summary: tcpdump 4.99 TCP line: endpoints, flags, seq, ack, win, length', () => {
  const s = parseSummary(
    'IP 10.0.0.80.56637 > 68.233.76.12.443: Flags [P.], seq 1:323, ack 1, win 8256, options [nop,nop,TS val 809002261 ecr 119170680], length 322',
  );
  assert.equal(s, {
    ipVersion: 4,
    src: '10.0.0.80',
    dst: '68.233.76.12',
    sport: 56637,
    dport: 443,
    proto: 'tcp',
    flags: PSH | ACK,
    seq: 1,
    ack: 1,
    win: 8256,
    len: 322,
    style: 4,
  });
});

test('summary: 4.99 pure ACK has no seq; SYN has no ack; flags none', () => {
  const a = parseSummary('IP 10.0.0.80.56637 > 68.233.76.12.443: Flags [.], ack 1, win 8256, length 0')!;
  assert.equal([a.flags, a.seq, a.ack, a.len], [ACK, undefined, 1, 0]);
  const s = parseSummary(
    'IP 192.168.0.47.64731 > 17.188.17.120.443: Flags [S], seq 3517001030, win 65535, options [mss 1460,nop,wscale 5,sackOK,eol], length 0',
  )!;
  assert.equal([s.flags, s.seq, s.ack], [SYN, 3517001030, undefined]);
  assert.is(parseSummary('IP 1.2.3.4.1 > 5.6.7.8.2: Flags [none], seq 5, win 0, length 0')!.flags, 0);
});

test('summary: IPv6 endpoints, -v header and cksum items, and an app decode after the length', () => {
  const s = parseSummary(
    'IP6 (flowlabel 0x25bab, hlim 64, next-header TCP (6) payload length: 44) 2001:4998:ef83:14:8000::100d.64034 > 2606:4700::6811:d209.443: Flags [S], cksum 0xd20b (correct), seq 857026346, win 65535, options [mss 1346,nop,wscale 6], length 0',
  )!;
  assert.equal(
    [s.ipVersion, s.src, s.dst, s.sport, s.dport, s.seq],
    [6, '2001:4998:ef83:14:8000::100d', '2606:4700::6811:d209', 64034, 443, 857026346],
  );
  const h = parseSummary('IP 10.0.0.1.80 > 10.0.0.2.4000: Flags [P.], seq 1:100, ack 1, win 10, length 99: HTTP: HTTP/1.1 200 OK')!;
  assert.is(h.len, 99);
});

test('summary: a -v IPv4 header joined with its continuation line', () => {
  const s = parseSummary(
    'IP (tos 0x0, ttl 61, id 63271, offset 0, flags [DF], proto TCP (6), length 60, bad cksum 2b8b (->1e6c)!) 10.10.10.10.41324 > 10.10.10.11.3306: Flags [S], cksum 0xf3a8 (incorrect -> 0xe689), seq 2871374687, win 29200, length 0',
  )!;
  assert.equal([s.src, s.dport, s.flags, s.seq], ['10.10.10.10', 3306, SYN, 2871374687]);
});

test('summary: tcpdump 3.x forms (flag letters, first:last(len), ack and win without commas)', () => {
  const cases: [string, number, number | undefined, number | undefined, number][] = [
    ['IP 216.182.45.246.63875 > 64.233.169.99.443: S 2327361744:2327361744(0) win 65535', SYN, 2327361744, undefined, 0],
    ['IP 216.182.45.246.63875 > 64.233.169.99.443: . ack 1 win 33323', ACK, undefined, 1, 0],
    ['IP 216.182.45.246.63875 > 64.233.169.99.443: P 1:143(142) ack 1 win 33323', PSH | ACK, 1, 1, 142],
    ['IP 64.233.169.99.443 > 216.182.45.246.63875: . 1:1419(1418) ack 143 win 106', ACK, 1, 143, 1418],
    ['IP 64.233.169.99.443 > 216.182.45.246.63875: F 2215:2215(0) ack 505 win 123', FIN | ACK, 2215, 505, 0],
    ['IP 64.233.169.99.443 > 216.182.45.246.63875: R 306719687:306719687(0) win 0', RST, 306719687, undefined, 0],
    ['10.0.0.1.1024 > 10.0.0.2.443: FP 10:20(10) ack 7 win 512 <nop,nop,timestamp 1 2> (DF)', FIN | PSH | ACK, 10, 7, 10],
  ];
  for (const [line, flags, seq, ack, len] of cases) {
    const s = parseSummary(line)!;
    assert.equal([s.proto, s.style, s.flags, s.seq, s.ack, s.len], ['tcp', 3, flags, seq, ack, len], line);
  }
});

test('summary: UDP in both forms, ports by name without -nn, and no ports for ICMP', () => {
  assert.equal(parseSummary('IP 10.24.82.188.38448 > 10.188.1.1.53: UDP, length 32')!.proto, 'udp');
  assert.equal(parseSummary('IP 10.24.82.188.38448 > 10.188.1.1.53: udp 32')!.len, 32);
  assert.is(parseSummary('IP 10.24.82.188.38448 > 10.188.1.1.53: 34541+ A? auth.kakao.com. (32)')!.proto, undefined);
  assert.is(parseSummary('IP 68.233.76.12.https > 10.0.0.80.56637: Flags [S.], seq 1, ack 2, win 4, length 0')!.sport, 443);
  const icmp = parseSummary('IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64')!;
  assert.equal([icmp.sport, icmp.proto], [undefined, undefined]);
});

test('summary: -e prefixes are skipped to the IP endpoints; MAC addresses are not endpoints', () => {
  const s = parseSummary(
    '2c:6b:f5:d6:17:c5 > 2c:6b:f5:d6:17:cc, ethertype 802.1Q (0x8100), length 78: vlan 50, p 0, ethertype IPv4 (0x0800), 10.10.10.10.41324 > 10.10.10.11.3306: Flags [S], seq 2871374687, win 29200, length 0',
  )!;
  assert.equal([s.src, s.sport, s.dst], ['10.10.10.10', 41324, '10.10.10.11']);
  assert.is(
    parseSummary('2c:6b:f5:d6:17:c5 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 10.0.0.1 tell 10.0.0.2, length 28'),
    undefined,
  );
  assert.is(parseSummary('The SYN goes from the client > the server: usually'), undefined);
});

test('summary: the link type an -e prefix names', () => {
  const hint = (s: string): number => {
    const b = Buffer.from(s);
    return linkHint(b, 0, b.length);
  };
  assert.is(hint('2c:6b:f5:d6:17:c5 > 2c:6b:f5:d6:17:cc, ethertype IPv4 (0x0800), length 78: 10.0.0.1.1 > 10.0.0.2.2: Flags [S]'), LINKTYPE.ETHERNET);
  assert.is(
    hint('Out 12:3b:b4:07:86:ed ethertype IPv4 (0x0800), length 585: 172.31.84.252.49818 > 54.186.175.150.443: Flags [P.]'),
    LINKTYPE.LINUX_SLL,
  );
  assert.is(hint('Out ethertype IPv4 (0x0800), length 76: 10.24.82.188.38448 > 10.188.1.1.53: 34541+'), LINKTYPE.LINUX_SLL);
  assert.is(hint('ifb0  Out ifindex 2 fa:37:dc:8d:af:ab ethertype IPv4 (0x0800), length 80: 1.2.3.4.1 > 5.6.7.8.2:'), LINKTYPE.LINUX_SLL2);
  assert.is(hint('eth0  In  IP 1.2.3.4.1 > 5.6.7.8.2: Flags [S]'), LINKTYPE.LINUX_SLL2);
  assert.is(hint('ip: 192.168.0.47.64731 > 17.188.17.120.443: Flags [S]'), LINKTYPE.RAW);
  assert.is(hint('AF IPv6 (30), length 88: 2001:db8::1.1 > 2001:db8::2.2: Flags [S]'), LINKTYPE.NULL);
  assert.is(hint('IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S]'), -1);
  assert.is(hint('IP6 2001:db8::1.1 > 2001:db8::2.2: Flags [S]'), -1);
});

test.run();
