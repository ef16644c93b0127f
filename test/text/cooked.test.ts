// Link layers: bytes after the IP packet (Ethernet padding, a Linux cooked capture's trailing bytes) are
// ignored as tcpdump ignores them. A real `tcpdump -i any` capture (scripts/record/cooked.sh) is padded with zero
// bytes and with other bytes, shown as tcpdump text in several ways and as pcap, and compared with tshark.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_TYPES, type Event, type Packet } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { FIXTURES, haveTool, testIf } from '../support/shared.js';
import { tsharkPackets } from '../support/tshark-packets.js';
import { stage1, tsharkTuple } from './run.js';

const COOKED = join(FIXTURES, 'cooked', 'any-tls12.pcap');

/** The pcap with `pad(i)` appended to every frame (captured and wire lengths grow alike, as a NIC's padding does). */
function padded(pcap: Buffer, pad: (i: number) => Buffer): Buffer {
  const out: Buffer[] = [pcap.subarray(0, 24)];
  for (let at = 24, i = 0; at + 16 <= pcap.length; i++) {
    const incl = pcap.readUInt32LE(at + 8);
    const extra = pad(i);
    const h = Buffer.from(pcap.subarray(at, at + 16));
    h.writeUInt32LE(incl + extra.length, 8);
    h.writeUInt32LE(pcap.readUInt32LE(at + 12) + extra.length, 12);
    out.push(h, pcap.subarray(at + 16, at + 16 + incl), extra);
    at += 16 + incl;
  }
  return Buffer.concat(out);
}

function text(pcap: string, flags: string[]): string {
  return execFileSync('tcpdump', ['-r', pcap, ...flags], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('latin1');
}

/** What the TLS stage makes of a run, for comparing with the unpadded capture's. */
function tlsFacts(events: Event[]): unknown[] {
  return events
    .filter((e) => e.type === 'tls.handshake' || e.type === 'tls.alert' || e.type === 'tls.record')
    .map((e) => [e.type, e.dir, e.msg ?? e.content, e.length]);
}

testIf(haveTool('tcpdump') && haveTool('tshark'), 'tcpdump or tshark not installed: cooked capture test')(
  "link layers: a real -i any capture padded after the IP packet gives tshark's packets and the same TLS, in every text form and as pcap",
  () => {
    const all = defaultOptions({ events: new Set(EVENT_TYPES) });
    const base = tlsFacts(decodeAll(readFileSync(COOKED), all));
    assert.ok(base.length > 10, 'the capture holds a TLS connection');
    const dir = mkdtempSync(join(tmpdir(), 'tlsdump-cooked-'));
    try {
      const pads: [string, (i: number) => Buffer][] = [
        ['6 zero bytes', () => Buffer.alloc(6)],
        ['20 zero bytes', () => Buffer.alloc(20)],
        ['60 zero bytes', () => Buffer.alloc(60)],
        ['0 to 30 zero bytes', (i) => Buffer.alloc((i * 7) % 31)],
        ['8 bytes 0xaa', () => Buffer.alloc(8, 0xaa)],
      ];
      for (const [what, pad] of pads) {
        const file = join(dir, 'padded.pcap');
        writeFileSync(file, padded(readFileSync(COOKED), pad));
        const oracle = tsharkPackets(file).map((t) => tsharkTuple(t.packet));
        assert.is(oracle.length, 15, what);
        const forms: [string, string | Buffer][] = [
          ['pcap', readFileSync(file)],
          ['-nn -XX', text(file, ['-nn', '-XX'])],
          ['-nn -xx -t', text(file, ['-nn', '-xx', '-t'])],
          // Pasted without the interface and direction that tell the link type, or without summary lines at all.
          ['-nn -XX, no interface', text(file, ['-nn', '-XX']).replace(/ \S+ {1,2}(In|Out|M|B|P) {1,2}IP /g, ' IP ')],
          [
            '-nn -XX, hex only',
            text(file, ['-nn', '-XX'])
              .split('\n')
              .filter((l) => /^\s/.test(l))
              .join('\n') + '\n',
          ],
        ];
        for (const [form, input] of forms) {
          const label = `${what}, ${form}`;
          const events = decodeAll(input, all);
          const packets = events.filter((e) => e.type === 'packet');
          assert.equal(
            packets.map((p) => [p.src, p.sport, p.dst, p.dport, p.seq, p.len].join(' ')),
            oracle,
            `${label}: tshark's packets`,
          );
          assert.not.ok(
            events.some((e) => e.code === 'input.undecodable' || e.code === 'input.orphan_hex' || e.code === 'excerpt.unplaced'),
            label,
          );
          assert.equal(tlsFacts(events), base, `${label}: the same TLS as without padding`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

testIf(haveTool('tcpdump'), 'tcpdump not installed: cooked capture test')(
  'link layers: stage 1 reads a padded packet with no hint of its link type, and a packet after it that starts with the same row',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlsdump-cooked-'));
    try {
      const file = join(dir, 'padded.pcap');
      writeFileSync(
        file,
        padded(readFileSync(COOKED), () => Buffer.alloc(12)),
      );
      const hexOnly =
        text(file, ['-nn', '-xx'])
          .split('\n')
          .filter((l) => /^\s/.test(l))
          .join('\n') + '\n';
      const { packets, events } = stage1(hexOnly);
      assert.is(packets.length, 15);
      assert.equal(events, []);
      // The pure ACKs' IP length is 52: the 12 zero bytes after it are not payload.
      assert.ok(packets.filter((p: Packet) => p.len === 0).every((p: Packet) => p.payload.length === 0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test.run();
