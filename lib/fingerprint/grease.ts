// GREASE values (RFC 8701), which every fingerprint here drops: the rule lives in lib/registry/grease.ts (the
// registry names them too); fingerprints read it from there.

export { isGrease, withoutGrease } from '../registry/grease.js';
