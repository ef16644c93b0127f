// The framing cores on files laid out field by field: pcap in both byte orders, µs/ns and the modified variant;
// pcapng sections, interfaces, options, packet blocks and blocks passed over; damage, cuts and chunking.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PcapReader, MAX_PCAP_RECORD } from '../../lib/pcap/reader.js';
import { PcapngReader, MAX_PCAPNG_INTERFACES, MAX_PCAPNG_READ } from '../../lib/pcap/pcapng.js';
import { sniffInput, SNIFF_BYTES } from '../../lib/pcap/sniff.js';
import { block, epb, feed, idb, opb, option, pcapFile, recorder, shb, spb, type Framed } from './build.js';
import { ether, ipv4, tcp } from '../net/build.js';

const f1 = ether(0x0800, ipv4('10.0.0.1', '10.0.0.2', tcp(1000, 443, { seq: 1, payload: [1, 2, 3] })));
const f2 = ether(0x0800, ipv4('10.0.0.2', '10.0.0.1', tcp(443, 1000, { seq: 9, payload: [4, 5, 6, 7, 8] })));
const f3 = new Uint8Array(Array.from({ length: 77 }, (_, i) => i));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function pcap(input: Uint8Array, chunk = 0): Framed {
  const { sink, out } = recorder();
  feed(new PcapReader(sink), input, chunk);
  return out;
}

function ng(input: Uint8Array, chunk = 0): Framed {
  const { sink, out } = recorder();
  feed(new PcapngReader(sink), input, chunk);
  return out;
}

const codes = (f: Framed) => f.anomalies.map((a) => a.code);

// ---- pcap ----

test('pcap: little- and big-endian files give the same records, with µs times', () => {
  const recs = [
    { sec: 1700000000, frac: 123456, data: f1 },
    { sec: 1700000001, frac: 999999, data: f2, origLen: 1500 },
  ];
  for (const le of [true, false]) {
    const out = pcap(pcapFile(recs, { le }));
    assert.equal(out.anomalies, []);
    assert.equal(
      out.recs.map((r) => [r.frame, r.sec, r.frac, r.digits, r.origLen, r.data]),
      [
        [1, 1700000000, 123456, 6, f1.length, hex(f1)],
        [2, 1700000001, 999999, 6, 1500, hex(f2)],
      ],
      le ? 'LE' : 'BE',
    );
    assert.equal([out.ifaces.length, out.ifaces[0]!.linkType, out.ifaces[0]!.snaplen], [1, 1, 262144]);
  }
});

test('pcap: the nanosecond magic gives 9-digit fractions in both byte orders', () => {
  for (const le of [true, false]) {
    const out = pcap(pcapFile([{ sec: 5, frac: 123456789, data: f1 }], { le, nanos: true }));
    assert.equal(
      out.recs.map((r) => [r.sec, r.frac, r.digits]),
      [[5, 123456789, 9]],
    );
  }
});

test('pcap: the modified (Kuznetsov) format has 24-byte record headers', () => {
  for (const le of [true, false]) {
    const out = pcap(
      pcapFile(
        [
          { sec: 1, frac: 2, data: f1 },
          { sec: 3, frac: 4, data: f2 },
        ],
        { le, modified: true },
      ),
    );
    assert.equal(out.anomalies, []);
    assert.equal(
      out.recs.map((r) => r.data),
      [hex(f1), hex(f2)],
    );
  }
});

test('pcap: FCS bits in the link-type field are split from the link type', () => {
  const out = pcap(pcapFile([{ sec: 1, frac: 0, data: f1 }], { linkType: 0x14000000 | 1 }));
  assert.equal([out.ifaces[0]!.linkType, out.ifaces[0]!.fcsLen], [1, 2]);
});

test('pcap: an unknown version gives pcap.malformed and the records are still read', () => {
  const out = pcap(pcapFile([{ sec: 1, frac: 0, data: f1 }], { version: [1, 0] }));
  assert.equal(codes(out), ['pcap.malformed']);
  assert.is(out.recs.length, 1);
});

test('pcap: a fraction of a second out of range carries into the seconds', () => {
  const out = pcap(pcapFile([{ sec: 10, frac: 2500000, data: f1 }]));
  assert.equal(
    out.recs.map((r) => [r.sec, r.frac]),
    [[12, 500000]],
  );
});

test(`pcap: a record claiming more than MAX_PCAP_RECORD (${MAX_PCAP_RECORD}) bytes stops reading with pcap.malformed`, () => {
  const good = pcapFile([{ sec: 1, frac: 0, data: f1 }]);
  const bad = Buffer.concat([good, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0x40, 0, 0, 0]), Buffer.from(f2)]);
  for (const chunk of [0, 1, 7]) {
    const out = pcap(bad, chunk);
    assert.equal(out.recs.length, 1);
    assert.equal(codes(out), ['pcap.malformed']);
    assert.is(out.anomalies[0]!.frame, 2);
    assert.match(out.anomalies[0]!.message, /the rest of it is not read/);
  }
});

test('pcap: a file cut inside the header or inside a record gives pcap.truncated after the whole records', () => {
  const file = pcapFile([
    { sec: 1, frac: 0, data: f1 },
    { sec: 2, frac: 0, data: f2 },
  ]);
  const whole = 24 + 16 + f1.length;
  for (const cut of [3, 10, 23, whole + 5, whole + 16, file.length - 1]) {
    const out = pcap(file.subarray(0, cut));
    assert.equal(codes(out), ['pcap.truncated'], `cut at ${cut}`);
    assert.is(out.recs.length, cut > whole ? 1 : 0, `cut at ${cut}`);
  }
  // cut exactly between records: nothing is missing
  assert.equal(codes(pcap(file.subarray(0, whole))), []);
});

test('pcap: a file that is not pcap gives one pcap.malformed', () => {
  const out = pcap(Buffer.from('19:47:28.512314 IP 10.0.0.80.56637 > 68.233.76.12.443: Flags [S]\n'));
  assert.equal(codes(out), ['pcap.malformed']);
  assert.is(out.recs.length, 0);
});

// ---- pcapng ----

test('pcapng: one section in either byte order: interfaces, link types, EPB times in µs', () => {
  for (const le of [true, false]) {
    const file = Buffer.concat([
      shb(le),
      idb(le, 1, { snaplen: 65535 }),
      idb(le, 113),
      epb(le, 0, 1700000000123456n, f1),
      epb(le, 1, 1700000001000001n, f2, 1500),
    ]);
    const out = ng(file);
    assert.equal(out.anomalies, []);
    assert.equal(
      out.ifaces.map((i) => [i.section, i.id, i.linkType, i.snaplen, i.digits]),
      [
        [0, 0, 1, 65535, 6],
        [0, 1, 113, 0, 6],
      ],
    );
    assert.equal(
      out.recs.map((r) => [r.frame, r.iface, r.sec, r.frac, r.digits, r.origLen, r.data]),
      [
        [1, 0, 1700000000, 123456, 6, f1.length, hex(f1)],
        [2, 1, 1700000001, 1, 6, 1500, hex(f2)],
      ],
    );
  }
});

test('pcapng: several sections, each with its own byte order and interfaces', () => {
  const file = Buffer.concat([
    shb(true),
    idb(true, 1),
    epb(true, 0, 1000000n, f1),
    shb(false),
    idb(false, 101),
    idb(false, 1),
    epb(false, 1, 2000000n, f2),
    epb(false, 0, 3000000n, f3),
    shb(true),
    epb(true, 0, 4000000n, f1),
  ]);
  const out = ng(file);
  assert.equal(
    out.recs.map((r) => [r.frame, r.section, r.iface, r.sec]),
    [
      [1, 0, 0, 1],
      [2, 1, 1, 2],
      [3, 1, 0, 3],
    ],
  );
  assert.equal(
    out.ifaces.map((i) => [i.section, i.id, i.linkType]),
    [
      [0, 0, 1],
      [1, 0, 101],
      [1, 1, 1],
    ],
  );
  // interfaces are per section: the third section declares none, so its packet is on an undeclared interface
  assert.equal(codes(out), ['pcap.malformed']);
  assert.match(out.anomalies[0]!.message, /frame 4: packets on interface 0, which section 2 does not declare/);
});

test('pcapng: if_tsresol (10^-3, 10^-9, 2^-20, 10^0), if_tsoffset, and exact nanoseconds past 2^53', () => {
  const le = true;
  const file = Buffer.concat([
    shb(le),
    idb(le, 1, { tsresol: 3 }),
    idb(le, 1, { tsresol: 9 }),
    idb(le, 1, { tsresol: 0x80 | 20 }),
    idb(le, 1, { tsresol: 0 }),
    idb(le, 1, { tsoffset: -100n }),
    idb(le, 1, { tsresol: 12 }),
    epb(le, 0, 1700000000123n, f1),
    epb(le, 1, 1700000000123456789n, f1),
    epb(le, 2, (1700000000n << 20n) + (1n << 19n), f1),
    epb(le, 3, 1700000000n, f1),
    epb(le, 4, 1700000000000007n, f1),
    epb(le, 5, 1000000123456789012n, f1),
  ]);
  const out = ng(file);
  assert.equal(out.anomalies, []);
  assert.equal(
    out.ifaces.map((i) => i.digits),
    [3, 9, 9, 0, 6, 9],
  );
  assert.equal(
    out.recs.map((r) => [r.sec, r.frac, r.digits]),
    [
      [1700000000, 123, 3],
      [1700000000, 123456789, 9],
      [1700000000, 500000000, 9],
      [1700000000, 0, 0],
      [1699999900, 7, 6],
      [1000000, 123456789, 9],
    ],
  );
});

test('pcapng: unknown options are skipped by their padded length; options after opt_endofopt are not read', () => {
  const le = false;
  const extra = [option(le, 2, Buffer.from('eth0')), option(le, 3, Buffer.from('a name of 13')), option(le, 0x8001, [1, 2, 3, 4, 5])];
  const afterEnd = Buffer.concat([idb(le, 1, { extra: [...extra, Buffer.from([0, 0, 0, 0]), option(le, 9, [9])] })]);
  const file = Buffer.concat([
    shb(le, { options: [option(le, 4, Buffer.from('tlsdump test'))] }),
    idb(le, 1, { extra, tsresol: 9 }),
    afterEnd,
    epb(le, 0, 5n, f1),
    epb(le, 1, 5n, f1),
  ]);
  const out = ng(file);
  assert.equal(out.anomalies, []);
  assert.equal(
    out.ifaces.map((i) => i.digits),
    [9, 6],
  );
});

test('pcapng: Simple Packet Blocks (no time; cut to the snap length) and obsolete Packet Blocks', () => {
  for (const le of [true, false]) {
    const file = Buffer.concat([
      shb(le),
      idb(le, 1, { snaplen: 40, tsresol: 6 }),
      spb(le, f1.subarray(0, 40), f1.length),
      spb(le, f3.subarray(0, 30)),
      opb(le, 0, 2500000n, f2.subarray(0, 40), f2.length),
    ]);
    const out = ng(file);
    assert.equal(out.anomalies, []);
    assert.equal(
      out.recs.map((r) => [r.frame, r.timed, r.origLen, r.data.length / 2]),
      [
        [1, false, f1.length, 40],
        [2, false, 30, 30],
        [3, true, f2.length, 40],
      ],
    );
    assert.equal([out.recs[2]!.sec, out.recs[2]!.frac], [2, 500000]);
  }
});

test('pcapng: blocks of other types are passed over, however large, and frames after them are read', () => {
  const le = true;
  const big = Buffer.alloc(MAX_PCAPNG_READ + 1000, 0xab);
  const file = Buffer.concat([
    shb(le),
    block(le, 4, Buffer.from([1, 0, 4, 0, 10, 0, 0, 1, 0, 0, 0, 0])), // Name Resolution Block
    idb(le, 1),
    block(le, 0x00000bad, big), // custom block
    block(le, 0x00000bad, Buffer.from([1, 2, 3, 4, 5])), // custom block
    epb(le, 0, 1n, f1),
    block(le, 5, Buffer.alloc(20)), // Interface Statistics Block
    epb(le, 0, 2n, f2),
  ]);
  for (const chunk of [0, 1, 13, 4096]) {
    const out = ng(file, chunk);
    assert.equal(out.anomalies, [], `chunk ${chunk}`);
    assert.equal(
      out.recs.map((r) => r.data),
      [hex(f1), hex(f2)],
      `chunk ${chunk}`,
    );
  }
});

test('pcapng: a Decryption Secrets Block is handed on with its type and data; one too large to read is reported', () => {
  const le = true;
  const keys = Buffer.from('CLIENT_RANDOM ' + '00'.repeat(32) + ' ' + '11'.repeat(48) + '\n');
  const pad = Buffer.alloc((4 - (keys.length % 4)) % 4);
  const u32le = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const dsb = (data: Buffer, len = data.length) => block(le, 0x0000000a, Buffer.concat([u32le(0x544c534b), u32le(len), data]));
  const file = Buffer.concat([
    shb(le),
    idb(le, 1),
    dsb(Buffer.concat([keys, pad]), keys.length),
    epb(le, 0, 1n, f1),
    dsb(Buffer.alloc(MAX_PCAPNG_READ)),
    epb(le, 0, 2n, f2),
  ]);
  for (const chunk of [0, 1, 4096]) {
    const got: [number, string, number][] = [];
    const anomalies: string[] = [];
    const sink = {
      iface: () => {},
      record: () => {},
      anomaly: (code: string) => void anomalies.push(code),
      secrets: (type: number, data: Uint8Array, frame: number) => void got.push([type, Buffer.from(data).toString('latin1'), frame]),
    };
    feed(new PcapngReader(sink), file, chunk);
    assert.equal(got, [[0x544c534b, keys.toString('latin1'), 1]], `chunk ${chunk}`);
    assert.equal(anomalies, ['pcap.block_too_large'], `chunk ${chunk}`);
  }
});

test('pcapng: a packet block longer than MAX_PCAPNG_READ is passed over with pcap.block_too_large and counts as a frame', () => {
  const le = true;
  const file = Buffer.concat([shb(le), idb(le, 1), epb(le, 0, 1n, new Uint8Array(MAX_PCAPNG_READ)), epb(le, 0, 2n, f2)]);
  for (const chunk of [0, 1000]) {
    const out = ng(file, chunk);
    assert.equal(codes(out), ['pcap.block_too_large']);
    assert.is(out.anomalies[0]!.frame, 1);
    assert.equal(
      out.recs.map((r) => [r.frame, r.data]),
      [[2, hex(f2)]],
    );
  }
});

test('pcapng: a block whose two lengths differ, or whose length is impossible, stops reading with pcap.malformed', () => {
  const le = true;
  const head = Buffer.concat([shb(le), idb(le, 1), epb(le, 0, 1n, f1)]);
  const cases: [string, Buffer][] = [
    ['lengths differ', block(le, 6, Buffer.alloc(24), { tail: 40 })],
    ['not a multiple of 4', block(le, 6, Buffer.alloc(24), { head: 38, tail: 38 })],
    ['shorter than 12', block(le, 6, Buffer.alloc(0), { head: 8, tail: 8 })],
    ['beyond MAX_PCAPNG_BLOCK', block(le, 6, Buffer.alloc(24), { head: 0x7ffffffc })],
    ['passed-over block lengths differ', block(le, 0x0bad, Buffer.alloc(24), { tail: 4 })],
    ['section header without byte-order magic', Buffer.from('0a0d0d0a1c000000deadbeef0100000000000000000000001c000000', 'hex')],
  ];
  for (const [what, damaged] of cases) {
    for (const chunk of [0, 3]) {
      const out = ng(Buffer.concat([head, damaged, epb(le, 0, 2n, f2)]), chunk);
      assert.equal(codes(out), ['pcap.malformed'], what);
      assert.match(out.anomalies[0]!.message, /the rest of it is not read/, what);
      assert.equal(
        out.recs.map((r) => r.data),
        [hex(f1)],
        what,
      );
    }
  }
});

test('pcapng: damage inside a well-framed block is reported and the next blocks are read', () => {
  const le = false;
  const file = Buffer.concat([
    shb(le),
    idb(le, 1, { extra: [Buffer.concat([Buffer.from([0, 2, 0, 200]), Buffer.from('eth0')])] }), // option runs past its block
    block(le, 1, Buffer.from([0, 1])), // IDB with a 4-byte body (padded)
    epb(le, 0, 1n, f1, f1.length, [], 5000), // captured length beyond the block
    block(le, 6, Buffer.alloc(8)), // EPB shorter than its fixed part
    epb(le, 7, 1n, f1), // undeclared interface
    epb(le, 7, 1n, f1), // ... reported once
    epb(le, 0, 3n, f2),
    epb(le, 1, 3n, f2), // on the IDB that could not be read: handed on with link type -1
  ]);
  const out = ng(file);
  assert.equal(codes(out), ['pcap.malformed', 'pcap.malformed', 'pcap.malformed', 'pcap.malformed', 'pcap.malformed']);
  assert.equal(
    out.anomalies.map((a) => a.frame),
    [1, 1, 1, 2, 3],
  );
  assert.equal(
    out.ifaces.map((i) => i.linkType),
    [1, -1],
  );
  assert.equal(
    out.recs.map((r) => [r.frame, r.iface]),
    [
      [5, 0],
      [6, 1],
    ],
  );
});

test(`pcapng: more than MAX_PCAPNG_INTERFACES (${MAX_PCAPNG_INTERFACES}) interfaces in a section are reported once; the count starts again per section`, () => {
  const le = true;
  const one = idb(le, 1);
  const many = Buffer.concat(Array.from({ length: MAX_PCAPNG_INTERFACES + 3 }, () => one));
  const file = Buffer.concat([
    shb(le),
    many,
    epb(le, MAX_PCAPNG_INTERFACES - 1, 1n, f1),
    epb(le, MAX_PCAPNG_INTERFACES + 1, 1n, f1),
    shb(le),
    idb(le, 101),
    epb(le, 0, 2n, f2),
  ]);
  const out = ng(file);
  assert.is(out.ifaces.length, MAX_PCAPNG_INTERFACES + 1);
  assert.equal(codes(out), ['pcap.malformed', 'pcap.malformed']);
  assert.match(out.anomalies[0]!.message, /more than 65536 interfaces/);
  assert.match(out.anomalies[1]!.message, /frame 2: packets on interface 65537/);
  assert.equal(
    out.recs.map((r) => [r.frame, r.section, r.iface]),
    [
      [1, 0, MAX_PCAPNG_INTERFACES - 1],
      [3, 1, 0],
    ],
  );
});

test('pcapng: undeclared interface ids are reported once each, for the first 64 ids of a section', () => {
  const le = true;
  const file = Buffer.concat([shb(le), idb(le, 1), ...Array.from({ length: 100 }, (_, i) => epb(le, 1 + (i % 80), 1n, f1))]);
  const out = ng(file);
  assert.is(out.anomalies.length, 64);
  assert.is(new Set(out.anomalies.map((a) => a.message.replace(/^frame \d+: /, ''))).size, 64);
});

test('pcapng: an unknown major version gives pcap.malformed and the section is still read', () => {
  const le = true;
  const out = ng(Buffer.concat([shb(le, { major: 2 }), idb(le, 1), epb(le, 0, 1n, f1)]));
  assert.equal(codes(out), ['pcap.malformed']);
  assert.is(out.recs.length, 1);
});

test('pcapng: input that does not start with a section header stops with pcap.malformed', () => {
  const out = ng(Buffer.concat([idb(true, 1), epb(true, 0, 1n, f1)]));
  assert.equal(codes(out), ['pcap.malformed']);
  assert.match(out.anomalies[0]!.message, /does not start with a section header/);
});

test('pcapng: a file cut anywhere gives pcap.truncated (or nothing at a block boundary), never an exception', () => {
  const le = true;
  const parts = [shb(le), idb(le, 1), epb(le, 0, 1n, f1), block(le, 0x0bad, Buffer.alloc(64)), epb(le, 0, 2n, f2)];
  const file = Buffer.concat(parts);
  const bounds = new Set<number>();
  let at = 0;
  for (const p of parts) bounds.add((at += p.length));
  for (let cut = 1; cut < file.length; cut++) {
    for (const chunk of [0, 5]) {
      const out = ng(file.subarray(0, cut), chunk);
      assert.equal(codes(out), bounds.has(cut) ? [] : ['pcap.truncated'], `cut at ${cut}`);
    }
  }
});

// ---- chunking and robustness ----

const SAMPLES: [string, Buffer, (b: Uint8Array, c?: number) => Framed][] = [
  [
    'pcap LE µs',
    pcapFile([
      { sec: 1, frac: 2, data: f1 },
      { sec: 3, frac: 4, data: f3 },
      { sec: 5, frac: 6, data: f2 },
    ]),
    pcap,
  ],
  [
    'pcap BE ns',
    pcapFile(
      [
        { sec: 1, frac: 2, data: f1 },
        { sec: 3, frac: 4, data: f3 },
      ],
      { le: false, nanos: true },
    ),
    pcap,
  ],
  [
    'pcapng two sections',
    Buffer.concat([
      shb(true),
      idb(true, 1, { tsresol: 9 }),
      epb(true, 0, 1n, f1),
      block(true, 5, Buffer.alloc(100)),
      shb(false),
      idb(false, 101),
      idb(false, 1),
      spb(false, f3),
      epb(false, 1, 2n, f2),
      opb(false, 0, 3n, f1),
    ]),
    ng,
  ],
];

test('chunks: the same file pushed in chunks of 1..64 bytes gives identical records and anomalies', () => {
  for (const [name, file, run] of SAMPLES) {
    const whole = run(file);
    assert.ok(whole.recs.length >= 2, name);
    for (let chunk = 1; chunk <= 64; chunk++) assert.equal(run(file, chunk), whole, `${name}, chunks of ${chunk}`);
    // and cut short, in chunks: the same anomalies as whole
    const cut = file.subarray(0, file.length - 3);
    const cutWhole = run(cut);
    for (let chunk = 1; chunk <= 64; chunk += 9) assert.equal(run(cut, chunk), cutWhole, `${name} cut, chunks of ${chunk}`);
  }
});

test('robustness: random bytes after a valid header, and random damage to valid files, never throw', () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
  for (let i = 0; i < 300; i++) {
    for (const [name, file, run] of SAMPLES) {
      const junk = Buffer.from(Array.from({ length: 200 }, rnd));
      const head = name.startsWith('pcapng') ? Buffer.concat([shb(true), idb(true, 1)]) : file.subarray(0, 24);
      run(Buffer.concat([head, junk]), 1 + (i % 17));
      const damaged = Buffer.from(file);
      for (let k = 0; k < 4; k++) damaged[rnd() % damaged.length] = rnd();
      run(damaged, i % 5);
    }
  }
});

// ---- sniffing ----

test('sniffInput: pcap magics in both byte orders, pcapng with its byte-order magic, else text', () => {
  const pc = pcapFile([], {});
  assert.is(sniffInput(pc), 'pcap');
  assert.is(sniffInput(pcapFile([], { le: false })), 'pcap');
  assert.is(sniffInput(pcapFile([], { nanos: true, le: false })), 'pcap');
  assert.is(sniffInput(pcapFile([], { modified: true })), 'pcap');
  assert.is(sniffInput(shb(true)), 'pcapng');
  assert.is(sniffInput(shb(false)), 'pcapng');
  assert.is(sniffInput(shb(true).subarray(0, 6)), 'pcapng');
  assert.is(SNIFF_BYTES, 12);
  assert.is(sniffInput(Buffer.from('\n\r\r\n19:47:28.512314 IP 10.0.0.80.56637 > 68.233.76.12.443')), 'text');
  assert.is(sniffInput(Buffer.from('19:47:28.512314 IP 10.0.0.80.56637 > 68.233.76.12.443: Flags [S]')), 'text');
  assert.is(sniffInput(Buffer.from('0x0000:  4500 0034')), 'text');
  assert.is(sniffInput(pc.subarray(0, 3)), 'text');
  assert.is(sniffInput(new Uint8Array(0)), 'text');
});

test.run();
