// Results remembered for recent keys, with a named limit (ground floor: imports nothing of ours). For pure
// functions whose inputs recur connection after connection (a server's chain, a client's hello): an entry never goes
// stale, and at the limit the oldest entry goes first.

export class Recent<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly limit: number) {}

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Keeps `value` for `key` and returns it; the oldest entry is let go when the limit is reached. */
  set(key: K, value: V): V {
    if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, value);
    return value;
  }
}
