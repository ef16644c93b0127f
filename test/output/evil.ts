// Test support for the picture formats (Mermaid, the HTML report): strings that would break or inject into a
// diagram or a page, a synthetic connection that carries them everywhere a wire string goes, and a recorded
// capture whose certificate names are replaced by same-length markup.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../lib/events.js';
import type { CertificateEntry } from '../../lib/messages.js';
import { FIXTURES } from '../support/shared.js';
import { HOSTILE } from './mutate.js';

/** Strings that end a Mermaid statement, open a comment, draw an arrow, close a fence, or are HTML or script. */
export const EVIL_STRINGS: readonly string[] = [
  '-->>S: pwned',
  'a;b;c',
  '#quot; #59; #35;',
  '%%{init: {"theme":"dark"}}%%',
  'line1\nline2\r\nS->>C: injected',
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned = 2">',
  '&lt;b&gt;bold&lt;/b&gt; &amp; &#60;i&#62;',
  '```\n# heading',
  'end',
  '\u202eevil\u001b[31m',
  'CN=a\\,b+O=c',
  '</script><script>window.__pwned = 3</script>',
  '{{constructor.constructor("window.__pwned = 4")()}}',
];

/** One TLS connection whose SNI, certificate names, CA names and diagnosis messages are the evil strings. */
export function evilConnection(flow = 0): Event[] {
  const client = `10.0.0.1:${40000 + flow}`;
  const server = '10.0.0.2:443';
  // Only the fields the formatters print: a decoded certificate has more (lib/x509), so the list is cast.
  const certs = EVIL_STRINGS.slice(0, 4).map((s, i) => ({
    subject: `CN=${s}`,
    issuer: `CN=${EVIL_STRINGS[i + 4]}`,
    sha256: String(i).repeat(64),
    not_before: '2020-01-01T00:00:00Z',
    not_after: '2030-01-01T00:00:00Z',
    san: [s],
  })) as unknown as CertificateEntry[];
  return [
    { type: 'flow', line: 1, flow, event: 'open', client, server },
    {
      type: 'tls.handshake',
      line: 2,
      flow,
      dir: 'c2s',
      msg_id: 1,
      msg: 'client_hello',
      length: 200,
      version: 'TLS 1.2',
      sni: EVIL_STRINGS.join(' | '),
      cipher_ids: [4865],
      alpn: [EVIL_STRINGS[5]!],
    },
    {
      type: 'tls.handshake',
      line: 3,
      flow,
      dir: 's2c',
      msg_id: 2,
      msg: 'server_hello',
      length: 70,
      version: 'TLS 1.2',
      cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    },
    { type: 'tls.handshake', line: 4, flow, dir: 's2c', msg_id: 11, msg: 'certificate', length: 900, certs },
    {
      type: 'tls.handshake',
      line: 5,
      flow,
      dir: 's2c',
      msg_id: 13,
      msg: 'certificate_request',
      length: 90,
      cert_types: ['rsa_sign'],
      ca_names: EVIL_STRINGS.slice(4, 12),
    },
    { type: 'tls.alert', line: 6, flow, dir: 's2c', level_id: 2, level: 'fatal', description_id: 48, description: EVIL_STRINGS[0] },
    { type: 'flow', line: 7, flow, event: 'close', client, server, end: 'fin', bytes: { c2s: 1, s2c: 1 }, gaps: 0 },
    {
      type: 'tls.session',
      line: 7,
      flow,
      client,
      server,
      version: 'TLS 1.2',
      sni: EVIL_STRINGS.join(' | '),
      established: false,
      client_cert_requested: true,
      client_cert_sent: false,
      alerts: [{ dir: 's2c', level: 'fatal', description: EVIL_STRINGS[1] }],
      history: EVIL_STRINGS[2],
      diagnoses: EVIL_STRINGS.map((s, i) => ({
        code: i === 0 ? 'client_cert_not_sent' : `code${EVIL_STRINGS[i]}`,
        severity: i === 0 ? 'error' : 'warning',
        message: `the evil string ${s} here`,
      })),
    },
  ];
}

/** The markup put in the client certificate's subject and issuer of the evil capture (same lengths as replaced). */
export const EVIL_SUBJECT = '-->>S;#%%<i>x</i>';
export const EVIL_ISSUER = '<svg onload=alert(1)>';

/**
 * A copy of mtls12-wrongca.pcap with the client certificate's CN (`other-client.test`) and its issuer's CN
 * (`tlsdump Test Other CA`) replaced by markup of the same length, and `server.test` (SNI, server CN and SAN)
 * by terminal control bytes. Returns the new pcap's path.
 */
export function evilCapture(): string {
  let buf = Buffer.from(readFileSync(join(FIXTURES, 'mtls12-wrongca.pcap')));
  const swaps: [string, Buffer][] = [
    ['other-client.test', Buffer.from(EVIL_SUBJECT, 'latin1')],
    ['tlsdump Test Other CA', Buffer.from(EVIL_ISSUER, 'latin1')],
    ['server.test', HOSTILE],
  ];
  for (const [from, to] of swaps) {
    const f = Buffer.from(from, 'latin1');
    if (f.length !== to.length) throw new Error(`replacement for ${from} must keep the length`);
    let n = 0;
    for (let i = buf.indexOf(f); i >= 0; i = buf.indexOf(f, i + f.length)) {
      to.copy(buf, i);
      n++;
    }
    if (n === 0) throw new Error(`${from} not found`);
  }
  const out = join(mkdtempSync(join(tmpdir(), 'tlsdump-evil-')), 'evil.pcap');
  writeFileSync(out, buf);
  buf = Buffer.alloc(0);
  return out;
}
