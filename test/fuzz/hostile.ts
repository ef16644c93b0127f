// Hostile inputs that no real capture holds, written as tcpdump text by ./build.ts so that they cross
// the whole pipeline: a record and a handshake message that claim far more than they carry, a certificate list
// of thousands of tiny certificates, thousands of CA names, a flood of alerts, a line of megabytes, floods of hex
// lines with no summary, binary junk, thousands of flows with holes, and hostile strings (prototype names, bytes
// that are not UTF-8, terminal control characters) in SNI, ALPN and certificate names. Shared by the in-process
// test, the command-line test and bench/hostile.ts.

import { cat, alpnExt, clientHelloBody, hexLines, message, records, sniExt, TextConn, u16, u24 } from './build.js';
import { Rng } from './support.js';
import { name as derName, oid, raw, seq, tlv, utf8 } from '../x509/build.js';

export interface Hostile {
  name: string;
  input: Buffer;
  /** Anomaly codes that must appear (in-process run, default options unless `options`). */
  codes?: string[];
  /** Option overrides for the in-process run (the command-line run uses the defaults). */
  options?: Record<string, number>;
}

/** A ServerHello (RFC 8446 §4.1.3) choosing TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 in TLS 1.2. */
const serverHello = (): Uint8Array => message(2, cat(u16(0x0303), new Uint8Array(32).fill(1), [0], u16(0xc02f), [0]));

/** A minimal X.509 v3 certificate (RFC 5280 §4.1) with the given subject CN bytes (a UTF8String) and SAN dNSName. */
export function certificateWith(cnUtf8: Uint8Array, dnsName: Uint8Array): Uint8Array {
  const cn = derName([seq(oid('2.5.4.3'), tlv(0x0c, cnUtf8))]);
  const issuer = derName([seq(oid('2.5.4.3'), utf8('hostile test CA'))]);
  const alg = seq(oid('1.2.840.113549.1.1.11'), raw(0x05));
  const validity = seq(tlv(0x17, Buffer.from('250101000000Z')), tlv(0x17, Buffer.from('350101000000Z')));
  const spki = seq(seq(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')), tlv(0x03, Uint8Array.from([0, 4, ...new Array<number>(64).fill(7)])));
  const san = seq(oid('2.5.29.17'), tlv(0x04, seq(tlv(0x82, dnsName))));
  const tbs = seq(tlv(0xa0, tlv(0x02, [2])), tlv(0x02, [1, 2, 3]), alg, issuer, validity, cn, spki, tlv(0xa3, seq(san)));
  return seq(tbs, alg, tlv(0x03, Uint8Array.from([0, 1, 2, 3])));
}

/** A TLS 1.2 handshake whose ClientHello and server Certificate carry the given extensions and certificates. */
export function handshakeText(chExts: Uint8Array[], certs: Uint8Array[], cport = 40000): string {
  const list = cat(...certs.map((c) => cat(u24(c.length), c)));
  return new TextConn({ cport })
    .handshake()
    .send('c2s', records(22, message(1, clientHelloBody(chExts))))
    .send('s2c', records(22, cat(serverHello(), message(11, cat(u24(list.length), list)), message(14, new Uint8Array(0)))))
    .fin()
    .text();
}

/** Every hostile input, from one seed (the random parts: junk and floods). */
export function hostileInputs(seed: number, scale = 1): Hostile[] {
  const rng = new Rng(seed);
  const out: Hostile[] = [];
  const text = (s: string): Buffer => Buffer.from(s, 'latin1');

  // RFC 8446 §5.1 / RFC 5246 §6.2.3: a record longer than 2^14 + 2048 is not a record.
  out.push({
    name: 'a record that claims 65535 bytes after a valid one',
    input: text(
      new TextConn()
        .handshake()
        .send('c2s', records(22, message(1, clientHelloBody([]))))
        .send('c2s', cat([22, 3, 3, 0xff, 0xff], new Uint8Array(3000).fill(0x41)))
        .fin()
        .text(),
    ),
    codes: ['tls.malformed'],
  });
  out.push({
    name: 'a stream that starts with a record claiming 65535 bytes',
    input: text(
      new TextConn()
        .handshake()
        .send('c2s', cat([22, 3, 3, 0xff, 0xff], new Uint8Array(5000)))
        .fin()
        .text(),
    ),
    codes: ['tls.not_tls'],
  });

  // A handshake message that claims 16 MB, followed by 2 MB of handshake records it is never buffered for.
  // (At scale 8 and more, the 16 MB it claims do follow.)
  const claim = message(11, new Uint8Array(Math.min(16 << 20, Math.round(2 * scale) << 20)).fill(0x30), 0xffffff);
  out.push({
    name: scale === 1 ? 'a handshake message that claims 16 MB' : `a handshake message that claims 16 MB, then ${claim.length >> 20} MB of its body`,
    input: text(new TextConn().handshake().send('s2c', records(22, claim)).fin().text()),
    codes: ['tls.limit'],
  });

  // A certificate list of thousands of tiny certificates (each one byte): counted past --max-certs, not decoded.
  const tiny = cat(...Array.from({ length: 5000 }, () => Uint8Array.from([0, 0, 1, 0x30])));
  out.push({
    name: 'a certificate list of 5000 tiny certificates',
    input: text(
      new TextConn()
        .handshake()
        .send('s2c', records(22, message(11, cat(u24(tiny.length), tiny))))
        .fin()
        .text(),
    ),
  });

  // A CertificateRequest with 5000 tiny CA names.
  const cas = cat(...Array.from({ length: 5000 }, (_, i) => cat(u16(3), [0x30, 1, i & 0xff])));
  const certReq = message(13, cat([1, 1], u16(2), u16(0x0401), u16(cas.length), cas));
  out.push({
    name: 'a CertificateRequest with 5000 CA names',
    input: text(
      new TextConn()
        .handshake()
        .send('s2c', records(22, cat(serverHello(), certReq)))
        .fin()
        .text(),
    ),
  });

  // A flood of alert records in one connection.
  const alerts = new Uint8Array(7 * Math.round(50_000 * scale));
  for (let i = 0; i < alerts.length; i += 7) alerts.set([21, 3, 3, 0, 2, 1, 100], i);
  out.push({ name: `a flood of ${alerts.length / 7} alert records`, input: text(new TextConn().handshake().send('s2c', alerts).fin().text()) });

  // A line of megabytes between two packets.
  const good = new TextConn()
    .handshake()
    .send('c2s', records(22, message(1, clientHelloBody([]))))
    .text();
  out.push({
    name: `a line of ${Math.round(8 * scale)} MB`,
    input: Buffer.concat([text(good), Buffer.alloc(Math.round(8 * scale) << 20, 0x41), text('\n'), text(good)]),
    codes: ['input.line_too_long'],
  });

  // A flood of hex lines with no summary line.
  const flood: string[] = [];
  for (let i = 0; i < 20_000 * scale; i++)
    flood.push(...hexLines(rng.bytes(16)).map((l) => l.replace('0x0000', `0x${((i % 300) * 16).toString(16).padStart(4, '0')}`)));
  out.push({ name: `a flood of ${flood.length} hex lines with no summary`, input: text(flood.join('\n') + '\n'), codes: ['input.undecodable'] });

  // Binary junk.
  out.push({ name: `${Math.round(2 * scale)} MB of binary junk`, input: rng.bytes(Math.round(2 * scale) << 20), codes: ['input.unparsed'] });

  // Thousands of flows, each with a hole before its bytes (out-of-order data waits), interleaved packet by packet.
  const flows = Math.round(2000 * scale);
  const conns: string[][] = [];
  for (let f = 0; f < flows; f++) {
    const c = new TextConn({ cport: 10000 + f, mss: 400 }).handshake().send('c2s', new Uint8Array(1600).fill(f & 0xff));
    c.blocks.splice(3, 1); // the first data segment is lost: the three after it wait for it
    conns.push(c.blocks);
  }
  // Interleaved packet by packet within groups of 50 connections (all of a group live at once).
  const mixed: string[] = [];
  for (let g = 0; g < conns.length; g += 50)
    for (let k = 0; k < 6; k++) for (const c of conns.slice(g, g + 50)) if (c[k] !== undefined) mixed.push(c[k]!);
  out.push({
    name: `${flows} flows with holes, interleaved`,
    input: text(mixed.join('\n') + '\n'),
    codes: ['tcp.evicted', 'tcp.buffer_limit'],
    options: { maxFlows: 1000, maxTotalBufferBytes: 256 * 1024 },
  });

  // Hostile strings: prototype names and non-UTF-8 bytes in SNI and ALPN, control characters in a certificate.
  const proto = (s: string): Uint8Array => Buffer.from(s, 'latin1');
  out.push({
    name: 'SNI, ALPN and certificate names that are Object.prototype members',
    input: text(
      handshakeText(
        [sniExt(proto('__proto__')), alpnExt([proto('constructor'), proto('toString'), proto('__proto__')])],
        [certificateWith(proto('__proto__'), proto('constructor'))],
      ),
    ),
  });
  out.push({
    name: 'SNI and ALPN bytes that are not UTF-8, and a lone surrogate encoded in UTF-8',
    input: text(
      handshakeText(
        [
          sniExt(Uint8Array.from([0x61, 0xc3, 0x28, 0xff])),
          alpnExt([Uint8Array.from([0xed, 0xa0, 0x80]), Uint8Array.from([0xff, 0xfe]), proto('h2')]),
        ],
        [certificateWith(Uint8Array.from([0xed, 0xb0, 0x80]), Uint8Array.from([0xff]))],
      ),
    ),
  });
  out.push({
    name: 'a certificate whose subject holds ESC, BEL, CR, NUL and a newline',
    input: text(
      handshakeText([sniExt(proto('evil\x1b]0;pwned\x07.test'))], [certificateWith(proto('evil\x1b[2J\x07\r\n\x00name'), proto('x\x1b[31m.test\n'))]),
    ),
  });
  return out;
}
