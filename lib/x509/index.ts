// X.509 certificates and distinguished names (ground floor): DER → JSON-ready objects with RFC 4514 names,
// hostname matching (RFC 6125) and chain-link primitives for the session verdict. Imports only lib/cursor.ts
// and node builtins.

export {
  parseCertificate,
  isCertificate,
  sha256Hex,
  ipString,
  CERT_LIMITS,
  type Certificate,
  type CertificateError,
  type CertExtension,
  type SanEntry,
} from './certificate.js';
export {
  parseName,
  parseDistinguishedName,
  decodeName,
  formatName,
  escapeValue,
  dnAttributes,
  nameKey,
  namesMatch,
  NAME_LIMITS,
  type NameAttribute,
  type Rdns,
} from './name.js';
export { hostnameMatches, dnsNameMatches, parseIp } from './hostname.js';
export { issuedBy, linksTo, chainLinks, findIssuer, signatureVerifies, type IssuerMatch, type ChainLink } from './chain.js';
export { parseTime } from './time.js';
