// IP addresses as text, the way tcpdump -n and tshark print them: IPv4 dotted quad, IPv6 compressed per
// RFC 5952 §4 (lower case, no leading zeros, the longest run of two or more zero groups as `::`, the first one
// on a tie) with the IPv4-mapped form `::ffff:a.b.c.d` (RFC 5952 §5).

/** Dotted-quad text of the 4 bytes at buf[at]. Recent results are cached: flows repeat their addresses. */
export function ipv4Text(buf: Uint8Array, at: number): string {
  const v = ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
  const slot = (v ^ (v >>> 13) ^ (v >>> 22)) & V4_CACHE_MASK;
  if (v4Keys[slot] === v && v4Vals[slot] !== undefined) return v4Vals[slot]!;
  const s = `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
  v4Keys[slot] = v;
  v4Vals[slot] = s;
  return s;
}

/** Addresses cached for ipv4Text: a small direct-mapped table (a hit saves a string build per packet). */
const V4_CACHE_SIZE = 1024;
const V4_CACHE_MASK = V4_CACHE_SIZE - 1;
const v4Keys = new Uint32Array(V4_CACHE_SIZE);
const v4Vals: (string | undefined)[] = new Array<string | undefined>(V4_CACHE_SIZE);

/** Addresses cached for ipv6Text: the last few, compared byte by byte. */
const V6_CACHE_SIZE = 8;
const v6Keys = new Uint8Array(16 * V6_CACHE_SIZE);
const v6Vals: (string | undefined)[] = new Array<string | undefined>(V6_CACHE_SIZE);
let v6Next = 0;

/** RFC 5952 text of the 16 bytes at buf[at]. */
export function ipv6Text(buf: Uint8Array, at: number): string {
  for (let k = 0; k < V6_CACHE_SIZE; k++) {
    if (v6Vals[k] === undefined) continue;
    let same = true;
    const base = k * 16;
    for (let i = 0; i < 16; i++) {
      if (v6Keys[base + i] !== buf[at + i]) {
        same = false;
        break;
      }
    }
    if (same) return v6Vals[k]!;
  }
  const s = formatIpv6(buf, at);
  const k = v6Next;
  v6Next = (v6Next + 1) % V6_CACHE_SIZE;
  for (let i = 0; i < 16; i++) v6Keys[k * 16 + i] = buf[at + i]!;
  v6Vals[k] = s;
  return s;
}

function formatIpv6(buf: Uint8Array, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((buf[at + 2 * i]! << 8) | buf[at + 2 * i + 1]!);
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 §5).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${buf[at + 12]}.${buf[at + 13]}.${buf[at + 14]}.${buf[at + 15]}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestAt) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += g[i]!.toString(16);
  }
  return s;
}
