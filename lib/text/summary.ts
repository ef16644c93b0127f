// The text of tcpdump summary lines, after the timestamp: the endpoints and the TCP/UDP part, in the 4.99 form
// (`Flags [P.], seq 1:143, ack 1, win 33323, options [...], length 142`) and the 3.x form
// (`P 1:143(142) ack 1 win 33323`), and the link type that an `-e` prefix names. Packets with hex are decoded
// from their bytes; this is read for packets shown only by their summary, and to learn what tcpdump's relative
// sequence numbers are relative to.

import { ACK, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../events.js';
import { LINKTYPE } from '../net/link.js';

export interface Summary {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  proto?: 'tcp' | 'udp';
  /** TCP flag bits; in the 3.x form ACK is set when an `ack` is printed. */
  flags: number;
  /** The printed sequence number (first of `first:last`), absent when tcpdump printed none (pure ACKs). */
  seq?: number;
  /** The printed acknowledgement number. */
  ack?: number;
  win?: number;
  /** Payload length: `length N` (4.99), `(N)` (3.x), `UDP, length N`; 0 when not printed. */
  len: number;
  style: 3 | 4;
}

/**
 * Well-known port names that tcpdump prints without -nn (from /etc/services), for TLS-bearing ports. A Map, not an
 * object literal: the name comes from the input, and `constructor` or `__proto__` must not find Object.prototype's
 * members: hostile input must not reach them.
 */
const PORT_NAMES: ReadonlyMap<string, number> = new Map(
  Object.entries({
    ftp: 21,
    ssh: 22,
    telnet: 23,
    smtp: 25,
    domain: 53,
    http: 80,
    www: 80,
    pop3: 110,
    imap: 143,
    imap2: 143,
    ldap: 389,
    https: 443,
    submissions: 465,
    smtps: 465,
    urd: 465,
    submission: 587,
    ldaps: 636,
    ftps: 990,
    imaps: 993,
    pop3s: 995,
    mysql: 3306,
    postgresql: 5432,
    'xmpp-client': 5222,
    'http-alt': 8080,
    'ms-wbt-server': 3389,
  }),
);

interface Endpoint {
  ip: string;
  port?: number;
  v: 4 | 6;
}

function dottedQuad(parts: string[], n: number): boolean {
  for (let i = 0; i < n; i++) {
    const p = parts[i]!;
    if (p.length === 0 || p.length > 3) return false;
    for (let k = 0; k < p.length; k++) {
      const c = p.charCodeAt(k);
      if (c < 48 || c > 57) return false;
    }
    if (Number(p) > 255) return false;
  }
  return true;
}

function port(s: string): number | undefined {
  if (/^\d{1,5}$/.test(s)) {
    const n = Number(s);
    return n <= 65535 ? n : undefined;
  }
  return PORT_NAMES.get(s);
}

/** `a.b.c.d.port`, `a.b.c.d`, `v6addr.port`, `v6addr` as tcpdump -n prints them. */
function endpoint(tok: string): Endpoint | undefined {
  if (tok.length === 0 || tok.length > 60) return undefined;
  const colon = tok.lastIndexOf(':');
  if (colon < 0) {
    const parts = tok.split('.');
    if (parts.length === 4 && dottedQuad(parts, 4)) return { ip: tok, v: 4 };
    if (parts.length === 5 && dottedQuad(parts, 4)) {
      const p = port(parts[4]!);
      if (p === undefined) return undefined;
      return { ip: parts.slice(0, 4).join('.'), port: p, v: 4 };
    }
    return undefined;
  }
  if (!/^[0-9a-fA-F:.]*[0-9a-zA-Z-]*$/.test(tok) || (tok.indexOf(':') === colon && !tok.includes('::'))) return undefined;
  const tail = tok.slice(colon + 1);
  const dots = tail.split('.');
  let ip = tok;
  let p: number | undefined;
  if (dots.length === 2 || dots.length === 5) {
    p = port(dots[dots.length - 1]!);
    if (p === undefined) return undefined;
    ip = tok.slice(0, tok.lastIndexOf('.'));
  } else if (dots.length !== 1 && dots.length !== 4) return undefined;
  if (!/^[0-9a-fA-F:.]+$/.test(ip)) return undefined;
  // Eight groups, or fewer with `::` (RFC 4291 §2.2); a MAC address (six groups) is neither.
  const colons = (ip.match(/:/g) ?? []).length;
  const groups = colons + 1 + (ip.includes('.') ? 1 : 0);
  if (ip.includes('::') ? colons < 2 || groups > 8 : groups !== 8) return undefined;
  return { ip: ip.toLowerCase(), port: p, v: 6 };
}

export interface EndpointPair {
  src: Endpoint;
  dst: Endpoint;
  /** Index of the text after `dst: `. */
  rest: number;
}

/** Finds `src > dst: ` in a summary: the first ` > ` whose two sides are IP endpoints (MACs of -e are not). */
export function findEndpoints(text: string): EndpointPair | undefined {
  let k = text.indexOf(' > ');
  while (k >= 0) {
    const s0 = text.lastIndexOf(' ', k - 1) + 1;
    const src = endpoint(text.slice(s0, k));
    if (src) {
      let colon = text.indexOf(': ', k + 3);
      if (colon < 0 && text.endsWith(':')) colon = text.length - 1;
      if (colon > k + 3) {
        const dst = endpoint(text.slice(k + 3, colon));
        if (dst && dst.v === src.v) return { src, dst, rest: Math.min(colon + 2, text.length) };
      }
    }
    k = text.indexOf(' > ', k + 3);
  }
  return undefined;
}

const FLAG_BITS: Record<string, number> = { F: FIN, S: SYN, R: RST, P: PSH, U: URG, W: CWR, E: ECE, '.': ACK };

/** Splits `a, b [c, d], e (f, g)` at top-level commas. */
function topLevelItems(s: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[' || c === '(') depth++;
    else if ((c === ']' || c === ')') && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      items.push(s.slice(from, i).trim());
      from = i + 1;
    }
  }
  items.push(s.slice(from).trim());
  return items;
}

function leadingInt(s: string): number | undefined {
  const m = /^(\d+)/.exec(s);
  return m ? Number(m[1]) : undefined;
}

/** Parses a summary line's text (after the timestamp; a -v header and its continuation joined by a space). */
export function parseSummary(text: string): Summary | undefined {
  const pair = findEndpoints(text);
  if (!pair) return undefined;
  const s: Summary = { ipVersion: pair.src.v, src: pair.src.ip, dst: pair.dst.ip, flags: 0, len: 0, style: 4 };
  if (pair.src.port !== undefined) s.sport = pair.src.port;
  if (pair.dst.port !== undefined) s.dport = pair.dst.port;
  const rest = text.slice(pair.rest);
  if (s.sport === undefined || s.dport === undefined) return s;
  if (rest.startsWith('Flags [')) {
    s.proto = 'tcp';
    const close = rest.indexOf(']');
    if (close < 0) return s;
    const letters = rest.slice(7, close);
    if (letters !== 'none') for (const ch of letters) s.flags |= FLAG_BITS[ch] ?? 0;
    for (const item of topLevelItems(rest.slice(close + 1))) {
      const sp = item.indexOf(' ');
      const key = sp < 0 ? item : item.slice(0, sp);
      const val = sp < 0 ? '' : item.slice(sp + 1);
      if (key === 'seq') {
        const m = /^(\d+)(?::(\d+))?/.exec(val);
        if (m) s.seq = Number(m[1]);
      } else if (key === 'ack') s.ack = leadingInt(val);
      else if (key === 'win') s.win = leadingInt(val);
      else if (key === 'length') {
        s.len = leadingInt(val) ?? 0;
        break;
      }
    }
    return s;
  }
  if (rest.startsWith('UDP, length ')) {
    s.proto = 'udp';
    s.len = leadingInt(rest.slice(12)) ?? 0;
    return s;
  }
  const toks = rest.split(' ');
  if (toks[0] === 'udp') {
    s.proto = 'udp';
    s.style = 3;
    s.len = leadingInt(toks[1] ?? '') ?? 0;
    return s;
  }
  // 3.x: flags (S, F, P, R, U, W, E or `.`), then `first:last(len)`, `ack N`, `win N`, `urg N`, `<options>`.
  const f = toks[0] ?? '';
  if (!/^(?:[SFPRUWE]+|\.)$/.test(f)) return s;
  const next = toks[1];
  if (next === undefined || !(/^\d+:\d+\(\d+\)$/.test(next) || next === 'ack' || next === 'win' || next === 'urg')) return s;
  s.proto = 'tcp';
  s.style = 3;
  if (f !== '.') for (const ch of f) s.flags |= FLAG_BITS[ch] ?? 0;
  for (let i = 1; i < toks.length; i++) {
    const t = toks[i]!;
    const m = /^(\d+):(\d+)\((\d+)\)$/.exec(t);
    if (m && i === 1) {
      s.seq = Number(m[1]);
      s.len = Number(m[3]);
    } else if (t === 'ack' && toks[i + 1] !== undefined) {
      s.ack = leadingInt(toks[++i]!);
      s.flags |= ACK;
    } else if (t === 'win' && toks[i + 1] !== undefined) s.win = leadingInt(toks[++i]!);
    else if (t === 'urg' && toks[i + 1] !== undefined) i++;
    else break;
  }
  return s;
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70));
}

/** `xx:xx:xx:xx:xx:xx` at buf[p]. */
function macAt(buf: Uint8Array, p: number, end: number): boolean {
  if (p + 17 > end) return false;
  for (let k = 0; k < 6; k++) {
    const q = p + k * 3;
    if (!isHex(buf[q]) || !isHex(buf[q + 1])) return false;
    if (k < 5 && buf[q + 2] !== 58) return false;
  }
  return true;
}

function wordAt(buf: Uint8Array, p: number, end: number, word: string): boolean {
  if (p + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (buf[p + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** SLL packet directions as tcpdump prints them (print-sll.c sll_pkttype_values). */
const DIRECTIONS = ['In ', 'Out ', 'B ', 'M ', 'P '];

/**
 * The link type that the start of a summary names, or -1: a MAC pair (-e on Ethernet), a packet direction
 * (Linux cooked v1 with -e), an interface name then a direction (Linux cooked v2, with or without -e),
 * `ip: ` (raw IP with -e), `AF ` (BSD null/loopback with -e). Plain `IP`/`IP6` names none.
 */
export function linkHint(buf: Uint8Array, p: number, end: number): number {
  const c = buf[p];
  if (c === 73 /* I */ && (wordAt(buf, p, end, 'IP ') || wordAt(buf, p, end, 'IP6 '))) return -1;
  if (macAt(buf, p, end) && buf[p + 17] === 32 && buf[p + 18] === 62) return LINKTYPE.ETHERNET;
  if (wordAt(buf, p, end, 'ip: ')) return LINKTYPE.RAW;
  if (wordAt(buf, p, end, 'AF ')) return LINKTYPE.NULL;
  for (const d of DIRECTIONS) {
    if (wordAt(buf, p, end, d)) {
      let q = p + d.length;
      while (q < end && buf[q] === 32) q++;
      if (macAt(buf, q, end) || wordAt(buf, q, end, 'ethertype ')) return LINKTYPE.LINUX_SLL;
      return -1;
    }
  }
  // Linux cooked v2: an interface name, spaces, a direction, then `ifindex` (-e) or the protocol.
  let q = p;
  while (q < end && buf[q] !== 32 && q - p < 32) q++;
  if (q === p || q >= end) return -1;
  while (q < end && buf[q] === 32) q++;
  for (const d of DIRECTIONS) if (wordAt(buf, q, end, d)) return LINKTYPE.LINUX_SLL2;
  return -1;
}

const TRUNCATED_IP = Array.from('truncated-ip', (ch) => ch.charCodeAt(0));

/** N in tcpdump's `truncated-ip - N bytes missing!` (print-ip.c; `truncated-ip6 - N` in print-ip6.c), or -1. */
export function truncatedIpMissing(sum: Uint8Array, len: number): number {
  outer: for (let i = 0; i + TRUNCATED_IP.length < len; i++) {
    for (let k = 0; k < TRUNCATED_IP.length; k++) if (sum[i + k] !== TRUNCATED_IP[k]) continue outer;
    let j = i + TRUNCATED_IP.length;
    if (sum[j] === 54 /* 6 */) j++;
    if (sum[j] !== 32 || sum[j + 1] !== 45 || sum[j + 2] !== 32) return -1;
    j += 3;
    let n = 0;
    const from = j;
    while (j < len && sum[j]! >= 48 && sum[j]! <= 57) n = n * 10 + sum[j++]! - 48;
    return j > from ? n : -1;
  }
  return -1;
}

/** A summary that says its packet is IP: `IP`/`IP6`, an IPv4/IPv6 EtherType (-e), or IP endpoints. */
export function saysIp(text: string): boolean {
  return /^(IP6?|ip:) /.test(text) || /ethertype IPv[46] |\bIP6? \(|PPPoE .*\bIP6? /.test(text) || findEndpoints(text) !== undefined;
}
