// Decryption of one TLS connection with logged secrets: which keys protect the next record of each direction
// (TLS 1.3: handshake, then application traffic secrets, KeyUpdate; TLS ≤ 1.2: the key block after
// ChangeCipherSpec), the record sequence numbers, and their recovery after a capture gap. The TLS stage calls
// it at the hellos, ChangeCipherSpec, decrypted handshake messages and each protected record.

import type { KeyStore, KeylogLabel, Secrets } from '../keylog/index.js';
import { cipherName } from '../registry/index.js';
import { keyBlock, nextTrafficSecret, trafficKeys } from './kdf.js';
import { cbcCipher, tls12AeadCipher, tls13Cipher, type RecordCipher } from './record.js';
import { suiteParams, type SuiteParams } from './suites.js';

export { KeyStore } from '../keylog/index.js';
export { suiteParams } from './suites.js';

type Dir = 'c2s' | 's2c';

/** Sequence numbers tried after a capture gap or a record that did not open (records lost in between). */
export const MAX_SEQ_SKIP = 32;
/** Records of a direction that fail to open, one after the other, before its decryption stops. */
export const MAX_FAILURES = 4;
/** Protected records of a direction that look the keys up again (a key log still being written) before giving up. */
export const MAX_KEY_MISSES = 8;

export type Outcome =
  | { kind: 'opened'; content: number; data: Buffer; seq: bigint; skipped: number }
  /** No secrets for this record's keys (yet): the record is as without --keylog. */
  | { kind: 'no_keys'; label: string }
  /** The record did not authenticate with any sequence number tried; `gaveUp` when this direction stops now. */
  | { kind: 'failed'; seq: bigint; tried: number; gaveUp: boolean }
  /** The cipher suite or version has no decryption here. */
  | { kind: 'unsupported'; what: string }
  /** Not decrypting this direction (given up, or nothing to do). */
  | { kind: 'off' };

type Phase = 'plain' | 'handshake' | 'application' | 'early';

interface DirKeys {
  phase: Phase;
  cipher?: RecordCipher;
  /** TLS 1.3: the traffic secret in use (KeyUpdate derives the next). */
  secret?: Buffer;
  seq: bigint;
  /** After a gap: try the next MAX_SEQ_SKIP sequence numbers. */
  resync: boolean;
  failures: number;
  misses: number;
  off: boolean;
  /** TLS 1.3 client: a record opened under the handshake keys (so later failures are not early data). */
  opened: boolean;
}

const LABEL: Record<Dir, Record<'handshake' | 'application' | 'early', KeylogLabel>> = {
  c2s: { handshake: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', application: 'CLIENT_TRAFFIC_SECRET_0', early: 'CLIENT_EARLY_TRAFFIC_SECRET' },
  s2c: { handshake: 'SERVER_HANDSHAKE_TRAFFIC_SECRET', application: 'SERVER_TRAFFIC_SECRET_0', early: 'CLIENT_EARLY_TRAFFIC_SECRET' },
};

function fresh(): DirKeys {
  return { phase: 'plain', seq: 0n, resync: false, failures: 0, misses: 0, off: false, opened: false };
}

export class ConnectionDecryptor {
  private clientRandom?: string;
  private serverRandom?: Buffer;
  private version?: number;
  private suite?: SuiteParams;
  private cipherId?: number;
  private etm = false;
  private tls13 = false;
  private earlyOffered = false;
  private readonly dirs: Record<Dir, DirKeys> = { c2s: fresh(), s2c: fresh() };

  constructor(private readonly store: KeyStore) {}

  /** The ClientHello's random (hex) and whether it offered early data (RFC 8446 §4.2.10). */
  clientHello(random: string, earlyData: boolean): void {
    this.clientRandom = random.toLowerCase();
    this.earlyOffered = earlyData;
  }

  /**
   * The ServerHello (not a HelloRetryRequest): version, suite, random, and whether it echoed encrypt_then_mac.
   * TLS 1.3 switches both directions to the handshake traffic keys at once (RFC 8446 §7.1).
   */
  serverHello(version: number, cipher: number, random: string, etm: boolean, tls13: boolean): void {
    this.version = version;
    this.cipherId = cipher;
    this.suite = suiteParams(cipher);
    this.serverRandom = Buffer.from(random, 'hex');
    this.etm = etm;
    this.tls13 = tls13;
    if (tls13) for (const d of ['c2s', 's2c'] as const) this.setPhase(d, 'handshake');
  }

  /** TLS ≤ 1.2: a ChangeCipherSpec switches its sender to the key block's keys (RFC 5246 §7.1). */
  changeCipherSpec(dir: Dir): void {
    if (this.tls13 || this.version === undefined) return;
    this.setPhase(dir, 'application');
  }

  /** A decrypted handshake message: TLS 1.3 Finished, KeyUpdate and EndOfEarlyData change the sender's keys. */
  handshakeMessage(dir: Dir, type: number): void {
    if (!this.tls13) return;
    const d = this.dirs[dir];
    if (type === 20 && d.phase === 'handshake')
      this.setPhase(dir, 'application'); // RFC 8446 §4.4.4
    else if (type === 5 && d.phase === 'early')
      this.setPhase(dir, 'handshake'); // §4.5
    else if (type === 24 && d.phase === 'application' && d.secret && this.suite) {
      // §4.6.3: the sender's next record uses application_traffic_secret_N+1.
      d.secret = nextTrafficSecret(this.suite, d.secret);
      const k = trafficKeys(this.suite, d.secret);
      d.cipher = tls13Cipher(this.suite, k.key, k.iv);
      d.seq = 0n;
    }
  }

  /** Bytes of this direction were lost: the next record's sequence number must be searched for. */
  gap(dir: Dir): void {
    this.dirs[dir].resync = true;
  }

  /** Whether the TLS stage should keep protected record bodies of this direction for open(). */
  wantsBody(dir: Dir): boolean {
    const d = this.dirs[dir];
    return d.phase !== 'plain' && !d.off;
  }

  /** Opens one protected record (header fields and complete body). */
  open(dir: Dir, content: number, version: number, body: Uint8Array): Outcome {
    const d = this.dirs[dir];
    if (d.off || d.phase === 'plain') return { kind: 'off' };
    if (!d.cipher) {
      const why = this.build(dir);
      if (why) {
        if (why.kind === 'no_keys') {
          d.seq++; // the record still counts: keys that come later start at the right number
          if (++d.misses >= MAX_KEY_MISSES) d.off = true;
        } else d.off = true;
        return why;
      }
    }
    const r = this.tryOpen(d, content, version, body);
    if (r) return r;
    // TLS 1.3: a client record that opens under neither key, before any opened, is early data the server
    // skipped (RFC 8446 §4.2.10), or early data whose secret was not logged.
    if (this.tls13 && dir === 'c2s' && this.earlyOffered && !d.opened && d.phase === 'handshake') {
      const early = this.tryPhase(dir, 'early', content, version, body);
      if (early) return early;
      // Early data the server skipped needs no key: the record stays opaque, without a failure or a missing key.
      return { kind: 'off' };
    }
    // TLS 1.3: a gap may have taken the Finished that switched this sender to its application keys.
    if (this.tls13 && d.phase === 'handshake' && d.opened) {
      const app = this.tryPhase(dir, 'application', content, version, body);
      if (app) return app;
    }
    // TLS 1.0 CBC chains the IV from the last ciphertext block whether or not this record opened.
    d.cipher?.commit?.(body);
    const seq = d.seq;
    d.resync = true;
    d.failures++;
    const gaveUp = d.failures >= MAX_FAILURES;
    if (gaveUp) d.off = true;
    return { kind: 'failed', seq, tried: MAX_SEQ_SKIP + 1, gaveUp };
  }

  private tryOpen(d: DirKeys, content: number, version: number, body: Uint8Array): Outcome | undefined {
    const tries = d.resync ? MAX_SEQ_SKIP + 1 : 1;
    for (let k = 0; k < tries; k++) {
      const seq = d.seq + BigInt(k);
      const o = d.cipher!.open(content, version, body, seq);
      if (!o) continue;
      d.cipher!.commit?.(body);
      d.seq = seq + 1n;
      d.resync = false;
      d.failures = 0;
      d.opened = true;
      return { kind: 'opened', content: o.content, data: o.data, seq, skipped: k };
    }
    return undefined;
  }

  /**
   * TLS 1.3: tries a record under another phase's keys from its first sequence numbers, and moves the direction
   * there when it opens. Early: accepted 0-RTT data and EndOfEarlyData use client_early_traffic_secret (RFC 8446
   * §4.2.10), until EndOfEarlyData; application: the Finished that switched the sender was lost in a gap.
   */
  private tryPhase(dir: Dir, phase: 'early' | 'application', content: number, version: number, body: Uint8Array): Outcome | undefined {
    const label = LABEL[dir][phase];
    const secret = this.secrets()?.[label];
    if (!secret || !this.suite) return undefined;
    const k = trafficKeys(this.suite, secret);
    const next: DirKeys = { ...fresh(), phase, secret: Buffer.from(secret), cipher: tls13Cipher(this.suite, k.key, k.iv), resync: true };
    const r = this.tryOpen(next, content, version, body);
    if (!r) return undefined;
    Object.assign(this.dirs[dir], next, { opened: phase !== 'early' });
    return r;
  }

  private secrets(label?: KeylogLabel): Secrets | undefined {
    return this.clientRandom ? this.store.lookup(this.clientRandom, label) : undefined;
  }

  private setPhase(dir: Dir, phase: Phase): void {
    const d = this.dirs[dir];
    d.phase = phase;
    d.cipher = undefined;
    d.secret = undefined;
    d.seq = 0n;
    d.failures = 0;
    d.misses = 0;
    d.off = false;
  }

  /** Derives the keys of a direction's phase; an outcome says why it cannot. */
  private build(dir: Dir): Outcome | undefined {
    const d = this.dirs[dir];
    const suite = this.suite;
    const label = this.tls13 ? LABEL[dir][d.phase as 'handshake' | 'application' | 'early'] : 'CLIENT_RANDOM';
    const secret = this.secrets(label)?.[label];
    if (!secret) return { kind: 'no_keys', label };
    if (!suite || suite.tls13 !== this.tls13) return { kind: 'unsupported', what: `cipher suite ${this.cipherName()}` };
    if (this.tls13) {
      const k = trafficKeys(suite, secret);
      d.secret = Buffer.from(secret);
      d.cipher = tls13Cipher(suite, k.key, k.iv);
      return undefined;
    }
    const version = this.version!;
    if (version < 0x0301 || version > 0x0303) return { kind: 'unsupported', what: `version 0x${version.toString(16).padStart(4, '0')}` };
    if (suite.mode !== 'cbc' && version < 0x0303) return { kind: 'unsupported', what: `cipher suite ${this.cipherName()} below TLS 1.2` };
    const kb = keyBlock(version, suite, secret, Buffer.from(this.clientRandom!, 'hex'), this.serverRandom!);
    const client = dir === 'c2s';
    const key = client ? kb.clientKey : kb.serverKey;
    const iv = client ? kb.clientIv : kb.serverIv;
    d.cipher =
      suite.mode === 'cbc' ? cbcCipher(suite, version, key, client ? kb.clientMac : kb.serverMac, iv, this.etm) : tls12AeadCipher(suite, key, iv);
    return undefined;
  }

  private cipherName(): string {
    const id = this.cipherId ?? -1;
    return `${cipherName(id)} (0x${id.toString(16).padStart(4, '0')})`;
  }
}
