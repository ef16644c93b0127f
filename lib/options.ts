// Every option of the decoder, with its named default, CLI flag and help text: one table, read by the CLI
// (bin/cli.ts) and by the docs. Options are resolved once, copied and frozen; stages never mutate them.

import type { EventType } from './events.js';

export interface Options {
  /** Event types to emit. */
  events: ReadonlySet<EventType>;
  /** What the input is: 'auto' tells pcap and pcapng from text by their magic bytes; 'text' or 'pcap' forces one. */
  input: 'auto' | 'text' | 'pcap';
  /** What the CLI writes (lib/output/formats.ts): NDJSON events, text blocks for a person, or ECS documents. */
  format: 'ndjson' | 'text' | 'ecs';
  /** Longest input line kept, in bytes; a longer line is skipped (never buffered whole) with an anomaly. */
  maxLineBytes: number;
  /** Longest a TCP flow or a UDP flow may sit idle, in capture seconds, before it is closed with `end: timeout`. */
  idleTimeout: number;
  /** Out-of-order bytes buffered per flow and direction before the oldest hole is declared lost. */
  maxFlowBufferBytes: number;
  /** Out-of-order bytes buffered across all flows before the oldest flow's hole is declared lost. */
  maxTotalBufferBytes: number;
  /** Live flows kept at once, TCP and UDP each; beyond it the least recently active flow is evicted. */
  maxFlows: number;
  /** Largest TLS handshake message accepted, in bytes. */
  maxHandshakeBytes: number;
  /** Most certificates decoded per chain. */
  maxCertsPerChain: number;
  /** Delivered bytes kept per flow direction to compare retransmitted bytes against (overlap conflicts). */
  overlapWindowBytes: number;
  /** Packets to wait, after the peer acknowledged past a hole or after a RST, before declaring bytes lost. */
  gapGracePackets: number;
  /** NSS key log files (--keylog, lib/keylog): secrets to decrypt with. Empty: nothing is decrypted unless a pcapng
   * carries secrets. */
  keylog: readonly string[];
  /** Bytes of decrypted application data shown as escaped text in `tls.data` (--data-preview); 0 shows none. */
  dataPreview: number;
}

export interface OptionSpec {
  key: Exclude<keyof Options, 'events' | 'input' | 'format' | 'keylog' | 'dataPreview'>;
  flag: string;
  default: number;
  help: string;
  example: string;
}

/** The numeric limits: one row each. */
export const LIMITS: readonly OptionSpec[] = [
  { key: 'maxLineBytes', flag: '--max-line-bytes', default: 65536, help: 'longest input line kept; longer lines are skipped with an anomaly', example: '--max-line-bytes 1048576' },
  { key: 'idleTimeout', flag: '--idle-timeout', default: 300, help: 'close a TCP flow (or a QUIC/DTLS flow over UDP) after this many seconds of capture time without packets', example: '--idle-timeout 60' },
  { key: 'maxFlowBufferBytes', flag: '--max-flow-buffer', default: 1 << 20, help: 'out-of-order bytes buffered per flow direction before a hole is declared lost', example: '--max-flow-buffer 262144' },
  { key: 'maxTotalBufferBytes', flag: '--max-total-buffer', default: 64 << 20, help: 'out-of-order bytes buffered across all flows', example: '--max-total-buffer 16777216' },
  { key: 'maxFlows', flag: '--max-flows', default: 20000, help: 'live TCP flows tracked at once (a few KB each), and as many UDP flows; the least recently active is evicted beyond it', example: '--max-flows 100000' },
  { key: 'maxHandshakeBytes', flag: '--max-handshake-bytes', default: 1 << 18, help: 'largest TLS handshake message decoded', example: '--max-handshake-bytes 65536' },
  { key: 'maxCertsPerChain', flag: '--max-certs', default: 16, help: 'most certificates decoded per Certificate message', example: '--max-certs 8' },
  { key: 'overlapWindowBytes', flag: '--overlap-window', default: 65536, help: 'delivered bytes kept per flow direction to compare retransmissions against (overlap conflicts)', example: '--overlap-window 16384' },
  { key: 'gapGracePackets', flag: '--gap-grace', default: 16, help: 'packets to wait after the peer acknowledges past a hole (or after a RST) before the missing bytes are declared lost', example: '--gap-grace 64' },
];

export function defaultOptions(overrides: Partial<Options> = {}): Readonly<Options> {
  const o: Record<string, unknown> = { events: new Set<EventType>(['tls.handshake', 'tls.alert', 'tls.session', 'anomaly']), input: 'auto', format: 'ndjson', keylog: [], dataPreview: 0 };
  for (const spec of LIMITS) o[spec.key] = spec.default;
  return Object.freeze({ ...(o as unknown as Options), ...overrides });
}
