// A ladder per TCP connection: the steps between client and server (handshake messages, encrypted record runs,
// alerts, resets, capture gaps) with their key facts, then the verdict. The model behind `--format mermaid` and
// the HTML report; it holds raw strings, and each renderer escapes them for its own medium.

import { isRecord, type Dir, type Event, type EventType, type TlsSessionEvent } from '../events.js';
import { isTls13Id } from '../registry/index.js';

/** The event types a ladder reads (the decoder must emit them for --format mermaid and report --html). */
export const LADDER_NEEDS: readonly EventType[] = ['flow', 'tls.record', 'tls.handshake', 'tls.alert', 'tls.session', 'anomaly'];

/** Steps held per connection; past this the ladder counts the rest in `omitted`. */
export const MAX_LADDER_STEPS = 200;
/** Certificates named per Certificate message, CA names per CertificateRequest, record sizes per run. */
export const MAX_LADDER_CERTS = 4;
export const MAX_LADDER_CAS = 8;
export const MAX_LADDER_SIZES = 8;

export type StepKind = 'message' | 'records' | 'ccs' | 'alert' | 'reset' | 'gap' | 'anomaly';

export interface Step {
  kind: StepKind;
  /** Who sent it; absent for notes about the connection as a whole. */
  dir?: Dir;
  /** `line 27` or `frame 5`: where the step completed in the input. */
  at: string;
  /** The arrow's label: `ClientHello`, `Alert fatal unknown_ca`, `encrypted server handshake`. */
  title: string;
  /** Key facts, each a short phrase; strings from the wire are kept raw here. */
  facts: string[];
  /** Record sizes of a `records` step. */
  sizes?: number[];
  /** Inferred rather than seen (a TLS 1.3 encrypted alert told by its size). */
  inferred?: boolean;
}

export interface Ladder {
  flow: number;
  client: string;
  server: string;
  /** Where the connection opened, `frame 1 2026-…`. */
  opened?: string;
  steps: Step[];
  omitted: number;
  /** The connection's `tls.session` event, when it carried TLS. */
  session?: TlsSessionEvent;
  /** How the flow ended (`fin`, `rst`, `timeout`, `eof`). */
  end?: string;
  tls: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const plural = (n: number, one: string, many = one + 's'): string => `${n} ${n === 1 ? one : many}`;

/** `line 27` or `frame 5`. */
export function whereOf(ev: { line?: unknown; frame?: unknown }): string {
  if (typeof ev.line === 'number') return `line ${ev.line}`;
  if (typeof ev.frame === 'number') return `frame ${ev.frame}`;
  return '';
}

/** A handshake message name as the RFCs write the struct: `certificate_request` → `CertificateRequest`. */
export function messageTitle(msg: unknown): string {
  const s = typeof msg === 'string' && msg ? msg : 'unknown';
  return s
    .split('_')
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join('');
}

/** The key facts of one handshake message (raw strings). */
export function messageFacts(ev: Event): string[] {
  const f: string[] = [];
  switch (ev.msg) {
    case 'client_hello': {
      if (ev.version !== undefined) f.push(String(ev.version));
      const sv = list(ev.supported_versions).map(String);
      if (sv.length) f.push(`versions ${sv.join(', ')}`);
      f.push(typeof ev.sni === 'string' ? `SNI ${ev.sni}` : 'no SNI');
      f.push(plural(list(ev.cipher_ids).length, 'cipher suite'));
      const alpn = list(ev.alpn).map(String);
      if (alpn.length) f.push(`ALPN ${alpn.join(', ')}`);
      break;
    }
    case 'server_hello':
      if (ev.hello_retry_request === true) f.push('HelloRetryRequest');
      if (ev.version !== undefined) f.push(String(ev.version));
      f.push(String(ev.cipher ?? `cipher 0x${(num(ev.cipher_id) ?? 0).toString(16).padStart(4, '0')}`));
      // In TLS 1.3 the echo of legacy_session_id is middlebox compatibility, not resumption (RFC 8446 §4.1.3, D.4).
      if (ev.session_id_match === true)
        f.push(isTls13Id(num(ev.version_id)) ? 'session id echoed (compatibility mode)' : 'session id echoed (resumption)');
      break;
    case 'certificate': {
      const certs = list(ev.certs);
      if (certs.length === 0) {
        f.push('EMPTY: no certificate sent');
        break;
      }
      f.push(plural(certs.length, 'certificate'));
      for (const item of certs.slice(0, MAX_LADDER_CERTS)) {
        // Events read back from NDJSON (`tlsdump report --html`) may hold anything here: a non-object shows as '?'.
        const c = isRecord(item) ? item : {};
        if (c.error !== undefined) f.push(`(not decoded: ${String(c.error)})`);
        else f.push(`${String(c.subject ?? '?')} ← issued by ${String(c.issuer ?? '?')}`);
      }
      if (certs.length > MAX_LADDER_CERTS) f.push(`… ${certs.length - MAX_LADDER_CERTS} more`);
      break;
    }
    case 'certificate_request': {
      const types = list(ev.cert_types).map(String);
      if (types.length) f.push(`types ${types.join(', ')}`);
      const cas = list(ev.ca_names).map(String);
      if (cas.length === 0) f.push('CA names: any');
      for (const ca of cas.slice(0, MAX_LADDER_CAS)) f.push(`CA ${ca}`);
      if (cas.length > MAX_LADDER_CAS) f.push(`… ${cas.length - MAX_LADDER_CAS} more CA names`);
      break;
    }
    case 'server_key_exchange':
    case 'client_key_exchange':
      if (ev.kx !== undefined) f.push(String(ev.kx));
      if (ev.named_group !== undefined) f.push(String(ev.named_group));
      f.push(plural(num(ev.length) ?? 0, 'byte'));
      break;
    default:
      f.push(plural(num(ev.length) ?? 0, 'byte'));
  }
  if (ev.truncated === true) f.push('truncated');
  if (ev.malformed === true) f.push('malformed');
  return f;
}

interface Building extends Ladder {
  /** The run of encrypted records being counted: one step for consecutive records of one direction and kind. */
  run?: Step & { key: string };
  /** The size of the last encrypted alert record per direction, told on the alert's own step. */
  alertSize?: Partial<Record<Dir, number>>;
}

/**
 * The pure core: push events in decoder order; each connection's ladder goes to `out` when its `tls.session`
 * arrives (or, for a flow without TLS, when the next event shows none is coming), and at end().
 */
export class Ladders {
  private readonly open = new Map<number, Building>();
  private closing: number | undefined;

  constructor(
    private readonly out: (l: Ladder) => void,
    private readonly maxSteps = MAX_LADDER_STEPS,
  ) {}

  push(ev: Event): void {
    const flow = num(ev.flow);
    if (this.closing !== undefined && !(ev.type === 'tls.session' && flow === this.closing)) this.finish(this.closing);
    if (flow === undefined) return;
    if (ev.type === 'flow' && ev.event === 'open') {
      this.open.set(flow, {
        flow,
        client: str(ev.client) ?? '?',
        server: str(ev.server) ?? '?',
        opened: `${whereOf(ev)}${ev.ts ? ` ${String(ev.ts)}` : ''}`,
        steps: [],
        omitted: 0,
        tls: false,
      });
      return;
    }
    let l = this.open.get(flow);
    if (!l) {
      // Saved events without flow events (the default --events): the session or first message names the ends.
      if (ev.type === 'flow') return;
      l = { flow, client: str(ev.client) ?? '?', server: str(ev.server) ?? '?', steps: [], omitted: 0, tls: false };
      this.open.set(flow, l);
    }
    const dir: Dir | undefined = ev.dir === 's2c' ? 's2c' : ev.dir === 'c2s' ? 'c2s' : undefined;
    const at = whereOf(ev);
    switch (ev.type) {
      case 'flow':
        if (ev.event !== 'close') return;
        l.end = str(ev.end);
        if (l.client === '?') l.client = str(ev.client) ?? '?';
        if (l.server === '?') l.server = str(ev.server) ?? '?';
        if (ev.end === 'rst') this.add(l, { kind: 'reset', at, title: 'RST: connection reset', facts: [] });
        this.closing = flow;
        return;
      case 'tls.session':
        this.endRun(l);
        l.session = ev;
        l.tls = true;
        if (l.client === '?') l.client = str(ev.client) ?? '?';
        if (l.server === '?') l.server = str(ev.server) ?? '?';
        if (l.end === undefined) l.end = str(ev.end);
        if (l.end === 'rst' && !l.steps.some((s) => s.kind === 'reset'))
          this.add(l, { kind: 'reset', at, title: 'RST: connection reset', facts: [] });
        this.markInferredAlerts(l, ev);
        this.finish(flow);
        return;
      case 'tls.handshake':
        l.tls = true;
        this.endRun(l);
        this.add(l, { kind: 'message', dir, at, title: messageTitle(ev.msg), facts: messageFacts(ev) });
        return;
      case 'tls.alert':
        l.tls = true;
        this.endRun(l);
        if (ev.encrypted === true) {
          const size = dir ? l.alertSize?.[dir] : undefined;
          this.add(l, {
            kind: 'alert',
            dir,
            at,
            title: 'Alert (encrypted)',
            facts: size === undefined ? [] : [`${size}-byte record`],
            inferred: ev.inferred === true,
          });
        } else
          this.add(l, {
            kind: 'alert',
            dir,
            at,
            title: `Alert ${String(ev.level ?? '?')} ${String(ev.description ?? '?')}`,
            facts: [`level ${String(ev.level_id ?? '?')}, description ${String(ev.description_id ?? '?')}`],
          });
        return;
      case 'tls.record':
        l.tls = true;
        this.record(l, ev, dir, at);
        return;
      case 'anomaly':
        if (ev.code === 'tcp.gap') {
          this.endRun(l);
          this.add(l, {
            kind: 'gap',
            dir,
            at,
            title: 'capture gap',
            facts: [`${plural(num(ev.missing) ?? 0, 'byte')} missing${dir ? ` ${dir === 'c2s' ? 'client → server' : 'server → client'}` : ''}`],
          });
        } else if (typeof ev.code === 'string' && (ev.code.startsWith('tls.') || ev.code === 'tcp.midstream')) {
          this.endRun(l);
          this.add(l, { kind: 'anomaly', dir, at, title: ev.code, facts: [String(ev.message ?? '')] });
        }
        return;
      default:
    }
  }

  end(): void {
    if (this.closing !== undefined) this.finish(this.closing);
    for (const flow of [...this.open.keys()]) this.finish(flow);
  }

  /** Encrypted records (and ChangeCipherSpec) become steps; plaintext handshake records are told by their messages. */
  private record(l: Building, ev: Event, dir: Dir | undefined, at: string): void {
    if (ev.content === 'change_cipher_spec') {
      this.endRun(l);
      this.add(l, { kind: 'ccs', dir, at, title: 'ChangeCipherSpec', facts: [] });
      return;
    }
    if (ev.encrypted !== true) return;
    if (ev.content === 'alert' && dir) {
      // Its tls.alert follows at once and becomes the step, with this size.
      (l.alertSize ??= {})[dir] = num(ev.length) ?? 0;
      return;
    }
    const flight = str(ev.flight);
    const what = flight
      ? `encrypted ${flight.replace(/_/g, ' ')}`
      : ev.content === 'application_data'
        ? 'application data'
        : `encrypted ${String(ev.content ?? 'record')}`;
    const key = `${dir}|${what}`;
    const size = num(ev.length) ?? 0;
    if (l.run && l.run.key === key) {
      l.run.sizes!.push(size);
      return;
    }
    this.endRun(l);
    l.run = { key, kind: 'records', dir, at, title: what, facts: [], sizes: [size], inferred: ev.inferred === true };
  }

  private endRun(l: Building): void {
    const r = l.run;
    if (!r) return;
    l.run = undefined;
    const sizes = r.sizes!;
    const total = sizes.reduce((a, b) => a + b, 0);
    const shown =
      sizes.slice(0, MAX_LADDER_SIZES).join(' + ') + (sizes.length > MAX_LADDER_SIZES ? ` + … (${sizes.length - MAX_LADDER_SIZES} more)` : '');
    const facts = [sizes.length === 1 ? plural(total, 'byte') : `${sizes.length} records, ${shown} = ${plural(total, 'byte')}`];
    if (r.inferred) facts.push('kind inferred from its place');
    const { key: _key, ...step } = r;
    this.add(l, { ...step, facts, sizes: sizes.slice(0, MAX_LADDER_SIZES) });
  }

  /**
   * TLS 1.3 alerts are encrypted: the session names a record as an inferred alert by its size (19 bytes with
   * AES-GCM). The last single-record run of that direction becomes an alert step saying it is an inference.
   */
  private markInferredAlerts(l: Building, s: Event): void {
    for (const a of list(s.alerts)) {
      if (!isRecord(a) || a.inferred !== true) continue;
      for (let i = l.steps.length - 1; i >= 0; i--) {
        const st = l.steps[i]!;
        if (st.kind === 'alert' && st.dir === a.dir) break;
        if (st.kind === 'records' && st.dir === a.dir && st.sizes?.length === 1) {
          l.steps[i] = {
            kind: 'alert',
            dir: st.dir,
            at: st.at,
            title: 'Alert (encrypted, inferred)',
            facts: [`one ${st.sizes[0]!}-byte record: the size of an encrypted alert`],
            inferred: true,
          };
          break;
        }
      }
    }
  }

  private add(l: Building, step: Step): void {
    if (l.steps.length >= this.maxSteps) {
      l.omitted++;
      return;
    }
    l.steps.push(step);
  }

  private finish(flow: number): void {
    if (this.closing === flow) this.closing = undefined;
    const l = this.open.get(flow);
    if (!l) return;
    this.open.delete(flow);
    this.endRun(l);
    const { run: _run, ...ladder } = l;
    this.out(ladder);
  }
}
