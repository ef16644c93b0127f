// Stage 4 (session): watches the events of each flow and, when the flow closes, emits one `tls.session` with
// the negotiated facts, the mutual-TLS chain of evidence and the `diagnoses`. It reads only events, so it
// sees exactly what a user of the NDJSON would see.

import type { Dir, Emit, Event, FlowClose, TlsAlertEvent, TlsHandshakeEvent, TlsRecordEvent, TlsSessionEvent } from '../events.js';
import { isHandshake, isSslv2Message, origin, originInto } from '../events.js';
import { ALERT, CONTENT, EXT, HS, SSLV2, type CertificateRequest, type Extension } from '../messages.js';
import type { Options } from '../options.js';
import { isTls13Id, isWeakCipherId, isWeakVersionId, SSL2_VERSION } from '../registry/index.js';
import { checkChain, type CertFacts, type Clock } from './chain.js';
import type { Diagnosis } from './diagnosis.js';
import { History, LETTER, handshakeLetter, sslv2Letter } from './history.js';
import { hostnameMatches, isCertificate, namesMatch } from '../x509/index.js';

interface Seen {
  line?: number;
  frame?: number;
  ts?: string;
}

interface AlertSeen extends Seen {
  dir: Dir;
  /** Names as the event wrote them, for the session's `alerts` and messages; verdicts read the id. */
  level?: string;
  description?: string;
  descriptionId?: number;
  fatal: boolean;
  encrypted: boolean;
  /** Inferred from an encrypted record's size (TLS 1.3): not a fact. */
  inferred?: boolean;
}

interface GapSeen extends Seen {
  dir: Dir;
  /** The hole is at the end of its direction: the capture stops inside the stream. */
  atEnd: boolean;
}

interface LastRecord {
  contentId: number;
  length: number;
  /** Part of a TLS 1.3 handshake flight (labelled by the TLS stage). */
  flight: boolean;
  at: Seen;
  /** Opened with logged secrets: what it held is in its own events, nothing is inferred from its size. */
  decrypted: boolean;
}

interface FlowState {
  flow: number;
  client: string;
  server: string;
  tls: boolean;
  history: History;
  clientHello?: ClientHelloFacts;
  serverHello?: ServerHelloFacts;
  helloRetry: boolean;
  serverCerts?: { certs: readonly CertFacts[]; at: Seen };
  clientCerts?: { certs: readonly CertFacts[]; at: Seen };
  certRequest?: { ev: CertificateRequest & { truncated?: boolean }; at: Seen };
  serverHelloDone?: Seen;
  clientKeyExchange?: Seen;
  certVerify?: Seen;
  ccs: { c2s?: Seen; s2c?: Seen };
  /** Encrypted handshake records after ChangeCipherSpec (TLS ≤ 1.2: the Finished message). */
  finished: { c2s?: Seen; s2c?: Seen };
  encryptedRecords: { c2s: number; s2c: number };
  appData: { c2s: number; s2c: number };
  firstAppData?: Seen;
  /** At most MAX_ALERTS (see alert()); `alertsOmitted` counts those left out. */
  alerts: AlertSeen[];
  alertsOmitted: number;
  /** The first fatal alert, never dropped from `alerts`. */
  firstFatal?: AlertSeen;
  gaps: GapSeen[];
  /** The first TLS record of the connection (where a capture that began after the handshake starts). */
  firstRecord?: Seen;
  /** Plaintext handshake messages seen (0: the handshake is not in the capture). */
  handshakes: number;
  lastSpeaker?: { dir: Dir; what: string; at: Seen };
  newSessionTicket: boolean;
  /** The last record-carrying line of each direction, to place close_notify. */
  lastRecord: { c2s?: LastRecord; s2c?: LastRecord };
  /** Finished messages read from decrypted records (--keylog): the flight before each was seen whole. */
  decryptedFinished: { c2s?: Seen; s2c?: Seen };
  /** --keylog was given but held no secret for this connection (the label missing). */
  keysMissing?: string;
}

function at(s: Seen | undefined): string {
  if (s?.line !== undefined) return `at line ${s.line}`;
  if (s?.frame !== undefined) return `at frame ${s.frame}`;
  return s?.ts ? `at ${s.ts}` : '';
}

function who(dir: Dir): string {
  return dir === 'c2s' ? 'client' : 'server';
}

/** Alerts that a server sends when it rejects the client's certificate (RFC 8446 §6.2). */
const CERT_REJECT_ALERTS: ReadonlySet<number> = new Set([
  ALERT.bad_certificate,
  ALERT.unsupported_certificate,
  ALERT.certificate_revoked,
  ALERT.certificate_expired,
  ALERT.certificate_unknown,
  ALERT.unknown_ca,
  ALERT.access_denied,
  ALERT.decrypt_error,
]);

/** Alerts that a client sends when it rejects the server's chain. */
const CHAIN_REJECT_ALERTS: ReadonlySet<number> = new Set([ALERT.unknown_ca, ALERT.bad_certificate, ALERT.certificate_unknown]);

const rejects = (set: ReadonlySet<number>, a: AlertSeen): boolean => a.descriptionId !== undefined && set.has(a.descriptionId);

/** Alerts kept per connection for its tls.session (`alerts_omitted` counts the others). */
export const MAX_ALERTS = 64;

/** The size of an encrypted TLS 1.3 alert record: 2 alert bytes + 1 content type + a 16-byte AEAD tag. */
const TLS13_ALERT_RECORD = 19;

/** A capture time before 1990 is no date: pcap files written with zeroed (or nearly zeroed) timestamps. */
const EARLIEST_CAPTURE = Date.UTC(1990, 0, 1) / 1000;

const DIRS: readonly Dir[] = ['c2s', 's2c'];

function sideName(dir: Dir): string {
  return dir === 'c2s' ? "client's" : "server's";
}

/** The fields of the hellos that the verdict reads (see session(), resumed(), shape(), hostname()): a flow keeps
 *  these, not the whole event, whose extension lists would stay resident with every live flow. */
interface ClientHelloFacts extends Seen {
  version?: string;
  sni?: string | null;
  alpn?: string[];
  session_id?: string;
  supported_versions?: string[];
  ciphers: number;
  ja3_hash?: string;
  ja4?: string;
  random?: string;
  sslv2?: boolean;
}

interface ServerHelloFacts extends Seen {
  version?: string;
  version_id?: number;
  cipher?: string;
  cipher_id?: number;
  session_id?: string;
  ja3s_hash?: string;
  /** The extension ids only. */
  extensionIds: number[];
  sslv2?: boolean;
}

function clientHelloFacts(ev: TlsHandshakeEvent): ClientHelloFacts {
  return {
    line: ev.line,
    frame: ev.frame,
    ts: ev.ts,
    version: ev.version,
    sni: ev.sni,
    alpn: ev.alpn,
    session_id: ev.session_id,
    supported_versions: ev.supported_versions,
    ciphers: ev.cipher_ids?.length ?? 0,
    ja3_hash: ev.ja3_hash,
    ja4: ev.ja4,
    random: ev.random,
    sslv2: ev.sslv2,
  };
}

function serverHelloFacts(ev: TlsHandshakeEvent): ServerHelloFacts {
  return {
    line: ev.line,
    frame: ev.frame,
    ts: ev.ts,
    version: ev.version,
    version_id: ev.version_id,
    cipher: ev.cipher,
    cipher_id: ev.cipher_id,
    session_id: ev.session_id,
    ja3s_hash: ev.ja3s_hash,
    extensionIds: (ev.extensions ?? []).map((e: Extension) => e.id),
    sslv2: ev.sslv2,
  };
}

/** A list field of an event as the TLS stage writes it: an array, or absent. */
const listOf = <T>(v: readonly T[] | undefined): readonly T[] => (Array.isArray(v) ? v : []);

export class Sessions {
  private readonly flows = new Map<number, FlowState>();

  constructor(
    readonly opts: Readonly<Options>,
    readonly emit: Emit,
  ) {}

  /** Sees every event the earlier stages emit, in order. */
  observe(ev: Event): void {
    const flow = ev.flow;
    if (flow === undefined) return;
    if (ev.type === 'flow') {
      if (ev.event === 'open') this.flows.set(flow, this.fresh(flow, ev.client ?? '', ev.server ?? ''));
      return;
    }
    const s = this.flows.get(flow);
    if (!s) return;
    const dir = ev.dir === 's2c' ? 's2c' : 'c2s';
    // One shape for every Seen (absent fields undefined), not origin()'s: a flow keeps several, and reads them by name.
    const seen: Seen = { line: ev.line, frame: ev.frame, ts: ev.ts };
    switch (ev.type) {
      case 'tls.record':
        this.record(s, dir, ev, seen);
        break;
      case 'tls.handshake':
        this.handshake(s, dir, ev, seen);
        break;
      case 'tls.alert':
        this.alert(s, dir, ev, seen);
        break;
      case 'anomaly':
        if (ev.code === 'tcp.gap') {
          // The first gap in the stream and the first at the end of a direction are read (capture_gap and
          // capture_ended cite them): at most two are kept, however many a damaged flow has.
          const atEnd = ev.at_end === true;
          if (!s.gaps.some((g) => g.atEnd === atEnd)) s.gaps.push({ line: seen.line, frame: seen.frame, ts: seen.ts, dir, atEnd });
          if (s.tls) s.history.add(LETTER.gap, dir === 'c2s');
        }
        break;
    }
  }

  /** The flow has closed and the TLS stage has flushed it: emit its tls.session. */
  close(item: FlowClose): void {
    const s = this.flows.get(item.flow);
    if (!s) return;
    this.flows.delete(item.flow);
    if (s.tls) this.emit(this.session(s, item));
  }

  end(): void {
    this.flows.clear();
  }

  private fresh(flow: number, client: string, server: string): FlowState {
    return {
      flow,
      client,
      server,
      tls: false,
      history: new History(),
      helloRetry: false,
      ccs: {},
      finished: {},
      encryptedRecords: { c2s: 0, s2c: 0 },
      appData: { c2s: 0, s2c: 0 },
      alerts: [],
      alertsOmitted: 0,
      gaps: [],
      handshakes: 0,
      newSessionTicket: false,
      lastRecord: {},
      decryptedFinished: {},
    };
  }

  private record(s: FlowState, dir: Dir, ev: TlsRecordEvent, seen: Seen): void {
    s.tls = true;
    s.firstRecord ??= seen;
    const content = ev.content_id ?? -1;
    const length = ev.length ?? 0;
    const client = dir === 'c2s';
    // One LastRecord per direction, written over by each record (its `at` is this record's own Seen).
    const last = s.lastRecord[dir];
    const decrypted = ev.decrypted === true;
    if (last) {
      last.contentId = content;
      last.length = length;
      last.flight = typeof ev.flight === 'string';
      last.at = seen;
      last.decrypted = decrypted;
    } else s.lastRecord[dir] = { contentId: content, length, flight: typeof ev.flight === 'string', at: seen, decrypted };
    if (typeof ev.keys_missing === 'string') s.keysMissing ??= ev.keys_missing;
    if (decrypted) {
      this.decryptedRecord(s, dir, ev.inner_content_id ?? -1, seen);
      return;
    }
    if (content === CONTENT.change_cipher_spec) {
      s.ccs[dir] ??= seen;
      s.history.add(LETTER.changeCipherSpec, client);
      s.lastSpeaker = { dir, what: 'ChangeCipherSpec', at: seen };
    } else if (content === CONTENT.handshake && ev.encrypted === true) {
      s.encryptedRecords[dir]++;
      if (s.ccs[dir] && !s.finished[dir]) s.finished[dir] = seen;
      s.history.add(LETTER.encryptedHandshake, client);
      s.lastSpeaker = { dir, what: 'an encrypted handshake record (Finished)', at: seen };
    } else if (content === CONTENT.application_data) {
      // TLS 1.3 hides the handshake in application_data records (RFC 8446 §5.2); the TLS stage labels the
      // server's first encrypted flight and the client's Finished flight (inferred from their order).
      if (ev.flight === 'server_handshake' || ev.flight === 'client_finished') {
        s.encryptedRecords[dir]++;
        s.finished[dir] ??= seen;
        s.history.add(LETTER.encryptedHandshake, client, true);
        s.lastSpeaker = { dir, what: dir === 'c2s' ? "the client's encrypted Finished flight" : "the server's encrypted flight", at: seen };
        return;
      }
      s.appData[dir]++;
      if (s.finished.c2s && s.finished.s2c && !s.firstAppData) {
        // In TLS 1.3 only a server record after the client's Finished that is not alert-sized shows the
        // server accepted that flight (a NewSessionTicket or data); an alert alone is 19 bytes.
        if (!this.isTls13(s) || (dir === 's2c' && length !== TLS13_ALERT_RECORD)) s.firstAppData = seen;
      }
      s.history.add(LETTER.applicationData, client, true);
      s.lastSpeaker = { dir, what: 'application data', at: seen };
    } else if (content === CONTENT.sslv2) {
      // SSL 2.0 encrypts everything after CLIENT-MASTER-KEY: the first encrypted record of each side is its
      // SERVER-VERIFY / CLIENT-FINISHED, what follows is data.
      if (ev.encrypted === true) {
        if (!s.finished[dir]) s.finished[dir] = seen;
        else {
          s.appData[dir]++;
          if (s.finished.c2s && s.finished.s2c) s.firstAppData ??= seen;
        }
      }
      s.history.add(ev.encrypted === true ? LETTER.applicationData : LETTER.sslv2, client, true);
      s.lastSpeaker = { dir, what: 'an SSLv2 record', at: seen };
    } else if (content === CONTENT.heartbeat) {
      s.history.add(LETTER.heartbeat, client);
    }
  }

  /**
   * A record opened with logged secrets (--keylog). Its handshake messages and alerts come as their own events;
   * here only the record counts: a protected handshake record, or data (which after both Finished messages,
   * from the server, shows the handshake was accepted).
   */
  private decryptedRecord(s: FlowState, dir: Dir, inner: number, seen: Seen): void {
    if (inner === CONTENT.handshake) s.encryptedRecords[dir]++;
    if (inner !== CONTENT.application_data) return;
    s.appData[dir]++;
    if (s.finished.c2s && s.finished.s2c && (!this.isTls13(s) || dir === 's2c')) s.firstAppData ??= seen;
    s.history.add(LETTER.applicationData, dir === 'c2s', true);
    s.lastSpeaker = { dir, what: 'application data', at: seen };
  }

  private handshake(s: FlowState, dir: Dir, ev: TlsHandshakeEvent, seen: Seen): void {
    s.tls = true;
    const id = ev.msg_id ?? -1;
    const sslv2 = ev.sslv2 === true;
    const client = dir === 'c2s';
    const hrr = isHandshake(ev, HS.server_hello) && ev.hello_retry_request === true;
    if (hrr) {
      s.helloRetry = true;
      s.history.add(LETTER.helloRetryRequest, client);
    } else {
      s.history.add(sslv2 ? sslv2Letter(id) : handshakeLetter(id), client);
    }
    // The message's name, as the event wrote it, only for the text of a diagnosis.
    s.lastSpeaker = { dir, what: ev.msg ?? '', at: seen };
    s.handshakes++;
    if (sslv2) {
      if (client && isSslv2Message(ev, SSLV2.client_hello)) s.clientHello = clientHelloFacts(ev);
      if (!client && isSslv2Message(ev, SSLV2.server_hello)) {
        s.serverHello = serverHelloFacts(ev);
        // An SSL 2.0 SERVER-HELLO carries the server's certificate itself.
        if (ev.certs) s.serverCerts = { certs: listOf(ev.certs), at: seen };
      }
      return;
    }
    switch (id) {
      case HS.client_hello:
        if (client) s.clientHello = clientHelloFacts(ev);
        break;
      case HS.server_hello:
        if (!client && !hrr) s.serverHello = serverHelloFacts(ev);
        break;
      case HS.certificate: {
        const certs = listOf(ev.certs);
        if (client) s.clientCerts = { certs, at: seen };
        else s.serverCerts = { certs, at: seen };
        break;
      }
      case HS.certificate_request:
        if (!client) s.certRequest = { ev, at: seen };
        break;
      case HS.server_hello_done:
        s.serverHelloDone = seen;
        break;
      case HS.client_key_exchange:
        s.clientKeyExchange = seen;
        break;
      case HS.certificate_verify:
        if (client) s.certVerify = seen;
        break;
      case HS.new_session_ticket:
        s.newSessionTicket = true;
        // A decrypted TLS 1.3 ticket after the client's Finished: the server accepted its flight.
        if (ev.decrypted === true && !client && s.finished.c2s && s.finished.s2c) s.firstAppData ??= seen;
        break;
      case HS.finished:
        // A Finished decrypted with logged secrets, or in plaintext: a NULL cipher suite protects records with a
        // MAC only (RFC 5246 §6.2.3.1).
        if (ev.decrypted === true) s.decryptedFinished[dir] ??= seen;
        s.finished[dir] ??= seen;
        break;
    }
  }

  private alert(s: FlowState, dir: Dir, ev: TlsAlertEvent, seen: Seen): void {
    s.tls = true;
    const encrypted = ev.encrypted === true;
    const level = ev.level;
    // Fields written out, not `...seen`: under a flood of alerts the spread made this 25 times slower.
    const a: AlertSeen = { line: seen.line, frame: seen.frame, ts: seen.ts, dir, fatal: ev.level_id === ALERT.fatal, encrypted };
    if (level) a.level = level;
    const d = ev.description;
    if (d) a.description = d;
    if (ev.description_id !== undefined) a.descriptionId = ev.description_id;
    s.alerts.push(a);
    if (a.fatal) s.firstFatal ??= a;
    if (s.alerts.length > MAX_ALERTS) {
      // A flood of alert records must not grow a session without bound (MAX_ALERTS): keep the first half (the
      // handshake's) and the latest ones (close_notify comes last), and always the first fatal alert; count the rest.
      let drop = MAX_ALERTS / 2;
      if (s.alerts[drop] === s.firstFatal) drop++;
      s.alerts.splice(drop, 1);
      s.alertsOmitted++;
    }
    s.history.add(LETTER.alert, dir === 'c2s');
    s.lastSpeaker = { dir, what: encrypted ? 'an encrypted alert' : `alert ${d ?? '?'}`, at: seen };
  }

  private isTls13(s: FlowState): boolean {
    return isTls13Id(s.serverHello?.version_id);
  }

  private session(s: FlowState, close: FlowClose): TlsSessionEvent {
    const ch = s.clientHello;
    const sh = s.serverHello;
    const tls13 = this.isTls13(s);
    const version = sh?.version ?? null;
    const fatal = s.alerts.find((a) => a.fatal);
    const handshakeDone = Boolean(s.finished.c2s && s.finished.s2c);
    // A capture that began after the handshake has no handshake message in it: `established` stays false (records
    // alone do not show it: in TLS 1.3 the handshake itself travels as application data) and handshake_not_captured
    // says why, never handshake_incomplete: a handshake from before the capture is not one that failed.
    const notCaptured = s.handshakes === 0 && !fatal;
    const established = handshakeDone && Boolean(s.firstAppData) && !fatal;
    // Whether a client certificate was requested or sent is visible only in plaintext handshakes (TLS ≤ 1.2) seen
    // without a gap before the handshake ended. `false` needs the server's part seen to its end: its flight up to
    // ServerHelloDone, the ChangeCipherSpec of an abbreviated handshake (which has no CertificateRequest, RFC 5246
    // §7.3), or the fatal alert with which it ended the handshake. `client_cert_sent` is false when none was
    // requested, or when the client's answer (ClientKeyExchange or ChangeCipherSpec) was seen without a Certificate.
    // Otherwise both are null: the capture does not show them, and null is not false. SSL 2.0 keeps its rule: a seen
    // CLIENT-HELLO makes both visible.
    const gapInHandshake = s.gaps.length > 0 && !handshakeDone;
    const sslv2 = ch?.sslv2 === true || sh?.sslv2 === true;
    const serverDone = sslv2 ? Boolean(ch) : Boolean(s.serverHelloDone || (sh && s.ccs.s2c) || (fatal && fatal.dir === 's2c'));
    const clientAnswered = sslv2 ? Boolean(ch) : Boolean(s.clientKeyExchange || s.ccs.c2s);
    let requested: boolean | null = s.certRequest ? true : serverDone && !gapInHandshake ? false : null;
    let sent: boolean | null = s.clientCerts
      ? s.clientCerts.certs.length > 0
      : requested === false || (requested === true && clientAnswered && !gapInHandshake)
        ? false
        : null;
    // TLS 1.3 with logged secrets: the server's flight read up to its Finished shows whether it asked; the client's
    // read up to its Finished shows whether it sent one (RFC 8446 §4.4.2: the client's Certificate comes before its
    // Finished).
    const decrypted13 = tls13 && Boolean(s.decryptedFinished.s2c) && Boolean(ch) && !gapInHandshake;
    if (decrypted13) {
      requested = s.certRequest !== undefined;
      sent = s.clientCerts ? s.clientCerts.certs.length > 0 : s.decryptedFinished.c2s ? false : null;
    } else if (tls13) {
      requested = sent = null;
      this.inferTls13Alerts(s);
    }

    const resumed = this.resumed(s, tls13);
    const diagnoses: Diagnosis[] = [];
    // Validity is judged against the capture's time when the input has one (-tt, -tttt, pcap timestamps that are
    // not zero); otherwise only today's date is named, at info level (messages print only the day, so the output
    // of one input stays the same within a day).
    const clock: Clock =
      close.epoch !== undefined && close.epoch >= EARLIEST_CAPTURE
        ? { epoch: close.epoch, source: 'capture' }
        : { epoch: Date.now() / 1000, source: 'now' };

    this.mtls(s, tls13 && !decrypted13, requested, sent, fatal, established, diagnoses);
    if (s.keysMissing) {
      diagnoses.push({
        code: 'keys_missing',
        severity: 'info',
        message: `a key log was given but holds no ${s.keysMissing} for this connection (client random ${ch?.random ?? '?'}), so its protected records stay opaque`,
      });
    }
    if (s.serverCerts) diagnoses.push(...checkChain('server', s.serverCerts.certs, clock, at(s.serverCerts.at)));
    if (s.clientCerts) {
      const whole = s.certRequest?.ev.truncated !== true;
      const cas = whole ? s.certRequest?.ev.ca_names : undefined;
      diagnoses.push(...checkChain('client', s.clientCerts.certs, clock, at(s.clientCerts.at), cas));
    }
    this.chainRejected(s, diagnoses);
    this.hostname(s, diagnoses);
    this.shape(s, close, fatal, established, handshakeDone, notCaptured, diagnoses);
    this.hygiene(s, diagnoses);

    // The origin's fields written into the event, not spread into a literal before the others (a slow spread).
    const ev: TlsSessionEvent = { type: 'tls.session' };
    originInto(ev, close);
    ev.flow = s.flow;
    ev.client = s.client;
    ev.server = s.server;
    ev.version = version;
    ev.cipher = sh?.cipher ?? null;
    ev.cipher_id = sh?.cipher_id ?? null;
    ev.sni = ch?.sni ?? null;
    ev.alpn = Array.isArray(ch?.alpn) ? ch.alpn : [];
    ev.established = established;
    ev.resumed = resumed;
    ev.client_cert_requested = requested;
    ev.client_cert_sent = sent;
    ev.server_certs = (s.serverCerts?.certs ?? []).map((c) => c.sha256 ?? null);
    ev.client_certs = (s.clientCerts?.certs ?? []).map((c) => c.sha256 ?? null);
    ev.alerts = s.alerts.map((a) =>
      a.inferred
        ? { dir: a.dir, encrypted: true, inferred: true }
        : a.encrypted
          ? { dir: a.dir, encrypted: true }
          : { dir: a.dir, level: a.level, description: a.description },
    );
    ev.ja3_hash = ch?.ja3_hash ?? null;
    ev.ja3s_hash = sh?.ja3s_hash ?? null;
    ev.ja4 = ch?.ja4 ?? null;
    ev.history = s.history.toString();
    ev.end = close.end;
    ev.diagnoses = diagnoses;
    if (s.alertsOmitted > 0) ev.alerts_omitted = s.alertsOmitted;
    if (s.certRequest) {
      ev.requested_ca_names = listOf(s.certRequest.ev.ca_names).slice();
    }
    return ev;
  }

  private resumed(s: FlowState, tls13: boolean): boolean {
    const sh = s.serverHello;
    if (!sh) return false;
    if (tls13) {
      return sh.extensionIds.includes(EXT.pre_shared_key); // pre_shared_key selected (RFC 8446 §4.2.11)
    }
    const chId = s.clientHello?.session_id;
    const shId = sh.session_id;
    if (chId && shId && chId === shId) return true;
    // An abbreviated handshake: the server goes from ServerHello straight to ChangeCipherSpec (RFC 5246 §7.3).
    return Boolean(s.ccs.s2c && !s.serverCerts && !s.serverHelloDone);
  }

  /** The mutual-TLS chain of evidence: requested? with which CAs? sent? accepted? verified? outcome. */
  private mtls(
    s: FlowState,
    tls13: boolean,
    requested: boolean | null,
    sent: boolean | null,
    fatal: AlertSeen | undefined,
    established: boolean,
    out: Diagnosis[],
  ): void {
    if (tls13) {
      out.push({
        code: 'client_cert_not_visible',
        severity: 'info',
        message:
          'TLS 1.3 encrypts CertificateRequest, the client Certificate and CertificateVerify (RFC 8446 §4.3–4.4), so whether a client certificate was requested or sent cannot be seen without keys',
      });
      const mine = this.tls13ClientAlert(s);
      if (mine && !established) {
        out.push({
          code: 'tls13_alert_inferred',
          severity: 'warning',
          side: 'client',
          message: `inferred, not seen: after the server's encrypted flight ${at(s.finished.s2c)} the client sent one ${TLS13_ALERT_RECORD}-byte record ${at(mine)}, the size of an encrypted alert (a Finished is larger), and nothing else: the client most likely refused the server's flight, typically its certificate (unknown_ca, bad_certificate, certificate_expired)`,
        });
      }
      const alert = s.alerts.find((a) => a.inferred && a.dir === 's2c');
      if (alert && !established) {
        out.push({
          code: 'tls13_alert_inferred',
          severity: 'warning',
          message: `inferred, not seen: after the client's encrypted Finished flight ${at(s.finished.c2s)} the server sent one ${TLS13_ALERT_RECORD}-byte record ${at(alert)}, the size of an encrypted alert, and nothing else; when the server requires a client certificate this is typically certificate_required (116), unknown_ca or bad_certificate`,
        });
      }
      return;
    }
    const req = s.certRequest;
    const outcome = fatal
      ? `the ${who(fatal.dir)} then sent a fatal ${fatal.description ?? 'encrypted'} alert ${at(fatal)}`
      : established
        ? 'the handshake then completed'
        : 'the handshake did not complete';
    if (requested === false) {
      // Only a complete server flight shows that no CertificateRequest came (not an abbreviated handshake,
      // nor one that failed before the server's flight).
      const flightEnd = s.serverHelloDone
        ? `ServerHelloDone ${at(s.serverHelloDone)}`
        : s.decryptedFinished.s2c
          ? `Finished ${at(s.decryptedFinished.s2c)} (decrypted)`
          : undefined;
      if (!flightEnd) return;
      out.push({
        code: 'client_cert_not_requested',
        severity: fatal && fatal.dir === 's2c' ? 'warning' : 'info',
        message: `the server did not ask for a client certificate: its flight ended with ${flightEnd} and held no CertificateRequest; ${outcome}`,
      });
      return;
    }
    if (!req) return;
    // TLS 1.3's CertificateRequest has no certificate_types (RFC 8446 §4.3.2): the part is left out there.
    const typeList = req.ev.cert_types;
    const types = typeList === undefined ? 'types ?; ' : typeList.length > 0 ? `types ${typeList.join(', ')}; ` : '';
    const cas = listOf(req.ev.ca_names);
    const cut = req.ev.truncated === true ? ' before the capture cut the message' : '';
    const names = cas.length
      ? `${cas.length} CA name${cas.length > 1 ? 's' : ''}${cut}: ${cas
          .slice(0, 3)
          .map((c) => `'${c}'`)
          .join(', ')}${cas.length > 3 ? ', …' : ''}`
      : cut
        ? `no CA name${cut}`
        : 'any CA';
    const asked = `the server asked for a client certificate ${at(req.at)} (${types}${names})`;
    if (sent === false) {
      const how = s.clientCerts ? `answered with an empty Certificate ${at(s.clientCerts.at)}` : 'sent no Certificate message';
      out.push({
        code: 'client_cert_not_sent',
        severity: fatal || !established ? 'error' : 'warning',
        message: `${asked}; the client ${how}; ${outcome}`,
      });
      return;
    }
    if (!sent || !s.clientCerts) return;
    const certs = s.clientCerts.certs.filter(isCertificate);
    const top = certs[certs.length - 1];
    const leaf = certs[0];
    const verify = s.certVerify ? `CertificateVerify ${at(s.certVerify)}` : 'no CertificateVerify';
    const n = s.clientCerts.certs.length;
    const sentText = `the client sent ${n} certificate${n > 1 ? 's' : ''} ${at(s.clientCerts.at)} (leaf '${leaf?.subject ?? '?'}', issued by '${leaf?.issuer ?? '?'}') and ${verify}`;
    // Accepted issuers: any CA name of the request that issued a sent certificate or is one of them.
    const listed = (dn: string) => cas.some((ca) => namesMatch(ca, dn));
    const issuerListed = certs.some((c) => listed(c.issuer) || listed(c.subject));
    const rejectAlert = fatal && fatal.dir === 's2c' && (fatal.encrypted || rejects(CERT_REJECT_ALERTS, fatal)) ? fatal : undefined;
    // A CA list cut by the capture may hold the issuer after the cut: only a whole list shows it is absent.
    const unlisted = cas.length > 0 && !issuerListed && !cut;
    if (unlisted || rejectAlert) {
      const why = unlisted
        ? `its chain ends at issuer '${top?.issuer ?? '?'}', which is not among the ${cas.length} CA name${cas.length > 1 ? 's' : ''} the server asked for`
        : 'the server rejected it';
      out.push({
        code: 'client_cert_not_accepted',
        severity: rejectAlert || !established ? 'error' : 'warning',
        message: `${asked}; ${sentText}; ${why}; ${outcome}`,
      });
      return;
    }
    if (!s.certVerify && (s.clientKeyExchange || s.decryptedFinished.c2s)) {
      out.push({
        code: 'client_cert_verify_missing',
        severity: 'error',
        message: `${asked}; ${sentText}, but no CertificateVerify followed; ${outcome}`,
      });
      return;
    }
    out.push({ code: 'client_cert_sent', severity: 'info', message: `${asked}; ${sentText}; ${outcome}` });
  }

  /**
   * TLS 1.3 encrypts alerts into application_data records (RFC 8446 §5.2): a record of 19 bytes (2 alert
   * bytes, the inner content type and a 16-byte AEAD tag) that ends a direction is taken for an alert,
   * marked `inferred` and never given a level or description.
   */
  private inferTls13Alerts(s: FlowState): void {
    for (const dir of DIRS) {
      const last = s.lastRecord[dir];
      if (last && last.contentId === CONTENT.application_data && !last.flight && !last.decrypted && last.length === TLS13_ALERT_RECORD) {
        // Fields written out, not `...last.at` (see alert()).
        const { line, frame, ts } = last.at;
        s.alerts.push({ line, frame, ts, dir, fatal: false, encrypted: true, inferred: true });
      }
    }
  }

  /** The client's alert inferred from a 19-byte record after the server's flight, with no Finished before it. */
  private tls13ClientAlert(s: FlowState): AlertSeen | undefined {
    if (s.finished.c2s) return undefined;
    return s.alerts.find((a) => a.inferred && a.dir === 'c2s');
  }

  /** A client's fatal alert right after the server's chain points at that chain. */
  private chainRejected(s: FlowState, out: Diagnosis[]): void {
    const a = s.alerts.find((x) => x.fatal && x.dir === 'c2s' && rejects(CHAIN_REJECT_ALERTS, x));
    if (!a || !s.serverCerts) return;
    const inc = out.find((d) => d.code === 'chain_incomplete' && d.side === 'server');
    if (inc) {
      inc.severity = 'error';
      inc.message += `; the client rejected it with ${a.description} ${at(a)}`;
    }
  }

  private hostname(s: FlowState, out: Diagnosis[]): void {
    const sni = s.clientHello?.sni;
    const leaf = s.serverCerts?.certs[0];
    if (!sni || !leaf || !isCertificate(leaf)) return;
    if (!hostnameMatches(sni, leaf)) {
      const names = leaf.san.length ? `SAN ${leaf.san.join(', ')}` : `subject '${leaf.subject}'`;
      out.push({
        code: 'hostname_mismatch',
        severity: 'error',
        side: 'server',
        message: `the client asked for '${sni}' (SNI ${at(s.clientHello ? origin(s.clientHello) : undefined)}) but the server's certificate ${at(s.serverCerts!.at)} names ${names}`,
      });
    }
  }

  /** Failures read from the handshake's shape: alerts, incompleteness, resets, gaps. */
  private shape(
    s: FlowState,
    close: FlowClose,
    fatal: AlertSeen | undefined,
    established: boolean,
    handshakeDone: boolean,
    notCaptured: boolean,
    out: Diagnosis[],
  ): void {
    const ch = s.clientHello;
    const sh = s.serverHello;
    const tls13 = this.isTls13(s);
    for (const a of s.alerts) {
      if (a.encrypted || (a.descriptionId === ALERT.close_notify && !a.fatal)) continue;
      if (!a.fatal && handshakeDone) continue;
      out.push({
        code: 'handshake_alert',
        severity: a.fatal ? 'error' : 'warning',
        message: `the ${who(a.dir)} sent a ${a.level ?? ''} ${a.description ?? 'unknown'} alert ${at(a)}${sh ? '' : ', before any ServerHello'}`,
      });
    }
    if (fatal && !sh && ch) {
      if (fatal.descriptionId === ALERT.protocol_version) {
        const offered = ch.supported_versions?.length ? ch.supported_versions.join(', ') : ch.version;
        out.push({
          code: 'protocol_version_mismatch',
          severity: 'error',
          message: `the ${who(fatal.dir)} refused the protocol versions offered (${offered}) with protocol_version ${at(fatal)}`,
        });
      } else if (fatal.descriptionId === ALERT.handshake_failure || fatal.descriptionId === ALERT.insufficient_security) {
        const n = ch.ciphers;
        out.push({
          code: 'no_shared_cipher',
          severity: 'error',
          message: `the server answered the ClientHello ${at(origin(ch))} (${n} cipher suites offered) with ${fatal.description} ${at(fatal)} and no ServerHello: most likely no cipher suite (or group) in common`,
        });
      }
    }
    // What the capture does not show is said as such, never blamed on a party (docs/events.md, "Diagnosis codes"): a
    // handshake from before the capture began, a direction with no packets, a capture that stops before the handshake
    // ends. handshake_incomplete (error) is kept for connections seen to end unfinished: FIN, RST, an alert, idle
    // timeout.
    const missing = (['c2s', 's2c'] as const).find((d) => close.packets?.[d] === 0);
    const client13Alert = tls13 ? this.tls13ClientAlert(s) : undefined;
    if (notCaptured) {
      out.push({
        code: 'handshake_not_captured',
        severity: 'info',
        message: `the handshake is not in the capture: the connection was already under way when it began (first TLS record ${at(s.firstRecord)}); only what follows is reported, and whether the handshake succeeded is not known (application data records: ${s.appData.c2s} from the client, ${s.appData.s2c} from the server)`,
      });
    }
    if (missing) {
      out.push({
        code: 'direction_not_captured',
        severity: 'warning',
        message: `the capture holds no packets from the ${who(missing)} of this connection, only the ${sideName(missing === 'c2s' ? 's2c' : 'c2s')} side: ${missing === 's2c' ? "the server's answer" : "the client's messages"} cannot be judged`,
      });
    } else if (!notCaptured && !established && !fatal && !handshakeDone) {
      const last = s.lastSpeaker;
      const seenEnd = close.end === 'fin' || close.end === 'rst' || close.end === 'timeout' || s.alerts.length > 0 || client13Alert !== undefined;
      if (seenEnd) {
        out.push({
          code: 'handshake_incomplete',
          severity: 'error',
          message: last
            ? `the handshake did not complete: the ${who(last.dir)} spoke last, with ${last.what} ${at(last.at)}, and the connection ended (${close.end})`
            : `the handshake did not complete (${close.end})`,
        });
      } else {
        const cut = s.gaps.find((g) => g.atEnd);
        const next = !last ? 'the handshake' : last.dir === 'c2s' ? "the server's answer" : "the client's answer";
        out.push({
          code: 'capture_ended',
          severity: 'warning',
          message: `the capture ends before the handshake finished${last ? `: the ${who(last.dir)} spoke last, with ${last.what} ${at(last.at)}` : ''}${cut ? `, and the ${sideName(cut.dir)} bytes stop short ${at(cut)}` : ''}; ${next} is not in the capture (the connection was not seen to end: ${close.end})`,
        });
      }
    }
    if (close.end === 'rst') {
      out.push({ code: 'reset', severity: established ? 'warning' : 'error', message: `the connection was reset ${at(close)}` });
    }
    // SSL 2.0 has no close_notify (RFC 6176 lists its flaws; truncation attacks among them).
    if (established && (close.end === 'fin' || close.end === 'rst') && sh?.version_id !== SSL2_VERSION) {
      for (const dir of ['s2c', 'c2s'] as const) {
        if (s.alerts.some((a) => a.dir === dir && (a.encrypted || a.descriptionId === ALERT.close_notify))) continue;
        out.push({
          code: 'no_close_notify',
          severity: 'info',
          message: `the ${who(dir)} sent no close_notify alert before the connection ended (${close.end}), so a truncation cannot be told from a normal end`,
        });
      }
    }
    const gap = s.gaps.find((g) => !g.atEnd && !handshakeDone);
    if (gap) {
      out.push({
        code: 'capture_gap',
        severity: 'warning',
        message: `bytes are missing from the capture during the handshake (first gap ${at(gap)}); what follows is decoded after resynchronising`,
      });
    }
  }

  private hygiene(s: FlowState, out: Diagnosis[]): void {
    const sh = s.serverHello;
    if (isWeakVersionId(sh?.version_id)) {
      out.push({ code: 'weak_protocol', severity: 'warning', message: `the connection negotiated ${sh?.version}, which is deprecated (RFC 8996)` });
    }
    const cipher = sh?.cipher;
    if (isWeakCipherId(sh?.cipher_id)) {
      out.push({ code: 'weak_cipher', severity: 'warning', message: `the server chose ${cipher}, a weak cipher suite` });
    }
  }
}
