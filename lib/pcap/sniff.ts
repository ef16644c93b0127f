// What an input is, told from its first bytes: a pcap file (either byte order, µs or ns, or the modified
// variant), a pcapng file, or else tcpdump text. No text starts with these bytes: the pcap magics hold bytes
// above 0x7f, and the pcapng one (LF CR CR LF) is followed by a byte-order magic with control characters.

import { BE, LE } from './framer.js';
import { PCAPNG_BOM, PCAPNG_SHB } from './pcapng.js';
import { isPcapMagic } from './reader.js';

export type InputKind = 'pcap' | 'pcapng' | 'text';

/** Bytes that sniffInput looks at when it can: the pcapng block type, its length and its byte-order magic. */
export const SNIFF_BYTES = 12;
/** Fewer than this and the input is text (a capture file is longer than any magic). */
export const MAGIC_BYTES = 4;

/**
 * Tells the input's kind from its first bytes (SNIFF_BYTES of them, or all of a shorter input). A pcapng
 * magic with fewer than SNIFF_BYTES bytes after it is taken for a pcapng file cut short.
 */
export function sniffInput(first: Uint8Array): InputKind {
  if (first.length < MAGIC_BYTES) return 'text';
  const be = BE.u32(first, 0);
  if (be === PCAPNG_SHB) {
    if (first.length < SNIFF_BYTES) return 'pcapng';
    const bom = BE.u32(first, 8);
    return bom === PCAPNG_BOM || LE.u32(first, 8) === PCAPNG_BOM ? 'pcapng' : 'text';
  }
  return isPcapMagic(be) || isPcapMagic(LE.u32(first, 0)) ? 'pcap' : 'text';
}

interface ByteCore {
  push(chunk: Uint8Array): void;
  end(): void;
}

/**
 * A core for an input of either kind: `open` makes the one for its kind. With 'auto' the first SNIFF_BYTES bytes
 * (or all of a shorter input) are held and choose, by their magic bytes; 'text' or 'pcap' forces the kind.
 */
export function sniffing(input: 'auto' | 'text' | 'pcap', open: (kind: 'text' | 'pcap') => ByteCore): ByteCore {
  let core = input === 'auto' ? undefined : open(input);
  let head: Uint8Array = new Uint8Array(0);
  const choose = (): ByteCore => {
    core = open(sniffInput(head) === 'text' ? 'text' : 'pcap');
    if (head.length > 0) core.push(head);
    return core;
  };
  return {
    push(chunk) {
      if (core) return core.push(chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length >= SNIFF_BYTES) choose();
    },
    end: () => (core ?? choose()).end(),
  };
}
