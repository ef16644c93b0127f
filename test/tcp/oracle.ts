// Compares stage 2 (tcp) with tshark on one capture: flow numbers against tcp.stream, and per flow and
// direction the reassembled bytes and gaps against `-z follow,tcp,raw,N`.

import { tsharkCapture, type TsharkPacket } from '../support/tshark-packets.js';
import { reassemble, type Run } from './harness.js';

export interface OracleResult {
  problems: string[];
  streams: number;
  /** Directions compared byte for byte, and among them those with gaps (tshark's markers and ours agreeing). */
  directions: number;
  withGaps: number;
  run: Run;
  packets: TsharkPacket[];
}

/**
 * Streams where tshark flags port reuse are left out of the byte comparison: there tshark changes its base
 * mid-connection (ndpi/KakaoTalk_chat.pcap stream 2 has a second SYN-ACK with another ISN, and tshark's follow
 * loses the server's 3722 bytes). Truncated packets (snaplen) make gaps for us, while tshark's follow writes
 * the captured bytes with no marker: there only the bytes are compared.
 */
export function compareWithTshark(pcap: string): OracleResult {
  const { packets, follow } = tsharkCapture(pcap);
  const run = reassemble(packets.map((t) => t.packet));
  const problems: string[] = [];
  const streams = [...new Set(packets.map((t) => t.stream))];
  const reused = new Set(packets.filter((t) => t.reusedPorts).map((t) => t.stream));
  const truncated = new Set(packets.filter((t) => t.packet.truncated).map((t) => t.stream));
  if (run.flows.size !== streams.length) problems.push(`${run.flows.size} flows, tshark has ${streams.length} streams`);
  // Flow numbers: the first packet of flow N is the first packet of tcp.stream N.
  const firstLine = new Map<number, number>();
  for (const t of packets) if (!firstLine.has(t.stream)) firstLine.set(t.stream, t.packet.line!);
  let directions = 0;
  let withGaps = 0;
  for (const s of streams) {
    const ours = run.flows.get(s);
    const fo = follow.get(s);
    if (!ours || !fo) {
      problems.push(`stream ${s}: ${ours ? 'no tshark follow' : 'no such flow here'}`);
      continue;
    }
    if (ours.openLine !== firstLine.get(s))
      problems.push(`flow ${s} opens at line ${ours.openLine}, tcp.stream ${s} starts at frame ${firstLine.get(s)}`);
    for (const k of [0, 1] as const) {
      const dir = fo.nodes[k] === ours.client ? 'c2s' : fo.nodes[k] === ours.server ? 's2c' : undefined;
      if (!dir) {
        problems.push(`stream ${s}: tshark node ${fo.nodes[k]} is neither ${ours.client} nor ${ours.server}`);
        continue;
      }
      if (reused.has(s)) continue;
      directions++;
      const mine = ours[dir];
      if (!mine.equals(fo.bytes[k])) {
        problems.push(`stream ${s} ${dir}: ${mine.length} bytes here, ${fo.bytes[k].length} in tshark's follow`);
        continue;
      }
      if (truncated.has(s)) continue;
      const gaps = ours.anomalies.filter((a) => a.code === 'tcp.gap' && a.dir === dir && !a.at_end).map((a) => a.missing);
      if (JSON.stringify(gaps) !== JSON.stringify(fo.missing[k])) {
        problems.push(`stream ${s} ${dir}: gaps ${JSON.stringify(gaps)} here, tshark marks ${JSON.stringify(fo.missing[k])}`);
      } else if (gaps.length > 0) withGaps++;
    }
  }
  return { problems, streams: streams.length, directions, withGaps, run, packets };
}
