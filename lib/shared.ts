// Values that one event shares with others (ground floor: imports nothing of ours). A decoder that gives the same
// object to event after event (an extension decoded once for the same bytes, lib/tls/extensions.ts) marks it here;
// such a value is read-only for everyone, and what is derived from it can be kept with it (lib/tls/render.ts).

const SHARED = new WeakSet<object>();

/** Marks v as shared between events (read-only from here on) and returns it. */
export function share<T extends object>(v: T): T {
  SHARED.add(v);
  return v;
}

/** Whether v was marked by share(). */
export function isShared(v: object): boolean {
  return SHARED.has(v);
}
