// Object identifiers that certificate decoding names. Names of algorithms are OpenSSL's long names (what
// `openssl x509 -text` prints; test/x509 checks every entry against `openssl asn1parse`). Attribute-type names
// in distinguished names follow RFC 4514 §3 for its nine, then OpenSSL's short names (docs/fingerprints.md,
// "Distinguished names"). Anything not listed is shown as its dotted OID.

/** Attribute types of distinguished names → the name used in RFC 4514 strings. */
export const ATTRIBUTE_NAMES: ReadonlyMap<string, string> = new Map([
  // RFC 4514 §3: the nine names every implementation recognises.
  ['2.5.4.3', 'CN'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.6', 'C'],
  ['2.5.4.9', 'STREET'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
  // Frequent in certificates; named as OpenSSL's RFC 2253 output names them (X.520, PKCS #9, CA/B EV).
  ['2.5.4.4', 'SN'],
  ['2.5.4.5', 'serialNumber'],
  ['2.5.4.12', 'title'],
  ['2.5.4.13', 'description'],
  ['2.5.4.15', 'businessCategory'],
  ['2.5.4.17', 'postalCode'],
  ['2.5.4.41', 'name'],
  ['2.5.4.42', 'GN'],
  ['2.5.4.43', 'initials'],
  ['2.5.4.44', 'generationQualifier'],
  ['2.5.4.46', 'dnQualifier'],
  ['2.5.4.65', 'pseudonym'],
  ['2.5.4.97', 'organizationIdentifier'],
  ['1.2.840.113549.1.9.1', 'emailAddress'],
  ['1.3.6.1.4.1.311.60.2.1.1', 'jurisdictionL'],
  ['1.3.6.1.4.1.311.60.2.1.2', 'jurisdictionST'],
  ['1.3.6.1.4.1.311.60.2.1.3', 'jurisdictionC'],
]);

/** Signature algorithms (RFC 3279, 4055, 5758, 8410) → OpenSSL long name. */
export const SIGNATURE_ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.3', 'md4WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption'],
  ['1.2.840.113549.1.1.10', 'rsassaPss'],
  ['1.2.840.113549.1.1.11', 'sha256WithRSAEncryption'],
  ['1.2.840.113549.1.1.12', 'sha384WithRSAEncryption'],
  ['1.2.840.113549.1.1.13', 'sha512WithRSAEncryption'],
  ['1.2.840.113549.1.1.14', 'sha224WithRSAEncryption'],
  ['1.3.14.3.2.29', 'sha1WithRSA'],
  ['1.2.840.10045.4.1', 'ecdsa-with-SHA1'],
  ['1.2.840.10045.4.3.1', 'ecdsa-with-SHA224'],
  ['1.2.840.10045.4.3.2', 'ecdsa-with-SHA256'],
  ['1.2.840.10045.4.3.3', 'ecdsa-with-SHA384'],
  ['1.2.840.10045.4.3.4', 'ecdsa-with-SHA512'],
  ['1.2.840.10040.4.3', 'dsaWithSHA1'],
  ['2.16.840.1.101.3.4.3.1', 'dsa_with_SHA224'],
  ['2.16.840.1.101.3.4.3.2', 'dsa_with_SHA256'],
  ['1.3.101.112', 'ED25519'],
  ['1.3.101.113', 'ED448'],
]);

/** SubjectPublicKeyInfo algorithms → our key_type. */
export const KEY_TYPES: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.1', 'rsa'],
  ['1.2.840.113549.1.1.10', 'rsa'], // RSASSA-PSS key (RFC 4055): an RSA key restricted to PSS
  ['1.2.840.10045.2.1', 'ec'],
  ['1.3.101.112', 'ed25519'],
  ['1.3.101.113', 'ed448'],
  ['1.3.101.110', 'x25519'],
  ['1.3.101.111', 'x448'],
  ['1.2.840.10040.4.1', 'dsa'],
  ['1.2.840.113549.1.3.1', 'dh'],
  ['1.2.840.10046.2.1', 'dh'],
]);

/** Named curves (RFC 5480 §2.1.1.1, RFC 5639) → TLS group name (IANA) or RFC 5639 name, and field size. */
export const CURVES: ReadonlyMap<string, { name: string; bits: number }> = new Map([
  ['1.2.840.10045.3.1.7', { name: 'secp256r1', bits: 256 }],
  ['1.3.132.0.34', { name: 'secp384r1', bits: 384 }],
  ['1.3.132.0.35', { name: 'secp521r1', bits: 521 }],
  ['1.3.132.0.33', { name: 'secp224r1', bits: 224 }],
  ['1.2.840.10045.3.1.1', { name: 'secp192r1', bits: 192 }],
  ['1.3.132.0.10', { name: 'secp256k1', bits: 256 }],
  ['1.3.36.3.3.2.8.1.1.7', { name: 'brainpoolP256r1', bits: 256 }],
  ['1.3.36.3.3.2.8.1.1.11', { name: 'brainpoolP384r1', bits: 384 }],
  ['1.3.36.3.3.2.8.1.1.13', { name: 'brainpoolP512r1', bits: 512 }],
  ['1.2.156.10197.1.301', { name: 'SM2', bits: 256 }],
]);

/** Fixed key sizes in bits, as OpenSSL reports them. */
export const FIXED_KEY_BITS: ReadonlyMap<string, number> = new Map([
  ['ed25519', 256],
  ['ed448', 456],
  ['x25519', 253],
  ['x448', 448],
]);

/** Certificate extensions (RFC 5280 §4.2) → name. */
export const EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['2.5.29.14', 'subjectKeyIdentifier'],
  ['2.5.29.15', 'keyUsage'],
  ['2.5.29.17', 'subjectAltName'],
  ['2.5.29.18', 'issuerAltName'],
  ['2.5.29.19', 'basicConstraints'],
  ['2.5.29.30', 'nameConstraints'],
  ['2.5.29.31', 'cRLDistributionPoints'],
  ['2.5.29.32', 'certificatePolicies'],
  ['2.5.29.33', 'policyMappings'],
  ['2.5.29.35', 'authorityKeyIdentifier'],
  ['2.5.29.36', 'policyConstraints'],
  ['2.5.29.37', 'extKeyUsage'],
  ['2.5.29.46', 'freshestCRL'],
  ['2.5.29.54', 'inhibitAnyPolicy'],
  ['1.3.6.1.5.5.7.1.1', 'authorityInfoAccess'],
  ['1.3.6.1.5.5.7.1.11', 'subjectInfoAccess'],
  ['1.3.6.1.5.5.7.1.24', 'tlsfeature'],
  ['1.3.6.1.4.1.11129.2.4.2', 'ct_precert_scts'],
  ['1.3.6.1.4.1.11129.2.4.3', 'ct_precert_poison'],
  ['2.16.840.1.113730.1.1', 'nsCertType'],
  ['2.16.840.1.113730.1.13', 'nsComment'],
]);

/** Extended key usages (RFC 5280 §4.2.1.12) → OpenSSL short name. */
export const EXT_KEY_USAGES: ReadonlyMap<string, string> = new Map([
  ['2.5.29.37.0', 'anyExtendedKeyUsage'],
  ['1.3.6.1.5.5.7.3.1', 'serverAuth'],
  ['1.3.6.1.5.5.7.3.2', 'clientAuth'],
  ['1.3.6.1.5.5.7.3.3', 'codeSigning'],
  ['1.3.6.1.5.5.7.3.4', 'emailProtection'],
  ['1.3.6.1.5.5.7.3.5', 'ipsecEndSystem'],
  ['1.3.6.1.5.5.7.3.6', 'ipsecTunnel'],
  ['1.3.6.1.5.5.7.3.7', 'ipsecUser'],
  ['1.3.6.1.5.5.7.3.8', 'timeStamping'],
  ['1.3.6.1.5.5.7.3.9', 'OCSPSigning'],
  ['1.3.6.1.4.1.311.10.3.3', 'msSGC'],
  ['2.16.840.1.113730.4.1', 'nsSGC'],
]);

/** keyUsage bits (RFC 5280 §4.2.1.3), bit 0 first. */
export const KEY_USAGE_BITS: readonly string[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];
