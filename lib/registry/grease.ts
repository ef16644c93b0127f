// GREASE values (RFC 8701): reserved code points that clients sprinkle into their lists so that servers learn
// to ignore unknown values. One rule for the whole project: names (lib/registry) and fingerprints
// (lib/fingerprint, which drops them) both read it from here. Ground floor: imports nothing of ours.

/**
 * True for the 16 GREASE values of RFC 8701 §2 (0x0a0a, 0x1a1a, … 0xfafa): both bytes equal and of the form
 * 0x?a. The same pattern is reserved for cipher suites, extensions, groups, signature algorithms and versions.
 */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff) && v <= 0xffff;
}

/** RFC 8701 §2: GREASE values for one-byte fields (PskKeyExchangeModes): 0x0b, 0x2a, 0x49 … 0xe4. */
export function isGreaseByte(v: number): boolean {
  return v <= 0xff && (v - 0x0b) % 0x1f === 0;
}

/** The list without GREASE values, order kept. */
export function withoutGrease(values: readonly number[]): number[] {
  const out: number[] = [];
  for (const v of values) if (!isGrease(v)) out.push(v);
  return out;
}
