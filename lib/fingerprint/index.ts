// TLS fingerprints (ground floor): JA3, JA3S and JA4 over plain numbers, so the TLS stage can call them without
// sharing types. Imports only node builtins. JA4S/JA4X are not here (FoxIO License, not open).

export { isGrease, withoutGrease } from './grease.js';
export { ja3, ja3s, type Ja3, type Ja3s } from './ja3.js';
export { ja4, ja4All, ja4Alpn, ja4Version, sslv2SpecsAsSuites, type Ja4Input, type Ja4All } from './ja4.js';
