// A small deterministic PRNG (xorshift32) for tests that damage or shuffle inputs: a seed gives the same run,
// so failures reproduce.

export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}
