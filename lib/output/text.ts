// Text output for a person at a terminal: one block per TCP connection, printed when the connection closes (so in
// close order, which is deterministic; a live input that goes quiet gets the blocks so far first, see drain()), holding who connected to whom, each record and handshake message with its
// key fields, then the verdict and its diagnoses. Events without a flow are printed as they come. Every string
// that came from the input goes through sanitize() before it is printed; colours come only from here.

import type { Dir, Event, EventType, FlowEvent, TlsHandshakeEvent, TlsSessionEvent } from '../events.js';
import { isTls13Id } from '../registry/index.js';
import { paint, type Paint } from './color.js';
import { Positions, type Place, type RecordSpan } from './positions.js';
import { show } from './sanitize.js';

/** Events held per connection until it closes; past this, the block says how many more there were. */
export const MAX_TEXT_EVENTS_PER_FLOW = 2000;

/** The event types the text output shows when --events is not given. */
export const TEXT_DEFAULT_SHOW: readonly EventType[] = ['flow', 'tls.record', 'tls.handshake', 'tls.alert', 'tls.session', 'anomaly'];

export interface TextOptions {
  /** Event types to show inside the blocks (the block header is always shown for a TLS connection). */
  show: ReadonlySet<EventType>;
  /** Show where each field's bytes sit in the input (needs `packet` events). */
  explain: boolean;
  color: boolean;
  maxEventsPerFlow?: number;
}

/** The event types the decoder must emit for the text output. */
export function textNeeds(o: Pick<TextOptions, 'show' | 'explain'>): EventType[] {
  const need = new Set<EventType>(['flow', 'tls.record', 'tls.handshake', 'tls.alert', 'tls.session', 'anomaly']);
  if (o.explain || o.show.has('packet')) need.add('packet');
  return [...need];
}

interface Block {
  flow: number;
  client: string;
  server: string;
  opened?: Event;
  lines: string[];
  shown: number;
  omitted: number;
  tls: boolean;
  /** The application_data run being counted (one line for consecutive records of one direction). */
  run?: { dir: Dir; count: number; bytes: number; first: Event };
  /** The last record of each direction with its span, for the SSLv2 message that follows it. */
  lastRecord: { c2s?: RecordSpan; s2c?: RecordSpan };
  closeLine?: string;
  session?: TlsSessionEvent;
  /** Lines of this block already written by drain(); the rest follows under a `(continued)` header. */
  drained?: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const hex = (n: number, digits: number): string => '0x' + n.toString(16).padStart(digits, '0');
const plural = (n: number, one: string, many = one + 's'): string => `${n} ${n === 1 ? one : many}`;

/** Where an event came from: `line 27` or `frame 5`. */
function where(ev: { line?: unknown; frame?: unknown }): string {
  if (typeof ev.line === 'number') return `line ${ev.line}`;
  if (typeof ev.frame === 'number') return `frame ${ev.frame}`;
  return '';
}

function placeText(p: Place | undefined): string {
  if (!p) return 'at an unknown place';
  return `at ${where(p)}, TCP payload +${p.offset}`;
}

const ARROW: Record<Dir, string> = { c2s: 'C→S', s2c: 'S→C' };
const SEVERITY_ORDER: Record<string, number> = { error: 0, warning: 1, info: 2 };

export class TextFormatter {
  private readonly p: Paint;
  private readonly blocks = new Map<number, Block>();
  private readonly positions: Positions | undefined;
  private readonly max: number;
  private closing: number | undefined;
  private pendingPacket: Event | undefined;
  /** input.unparsed anomalies in a row, folded into one line when anything else is written (NDJSON keeps each). */
  private readonly prose: Event[] = [];

  constructor(
    private readonly opts: TextOptions,
    private readonly out: (text: string) => void,
  ) {
    this.p = paint(opts.color);
    this.positions = opts.explain || opts.show.has('packet') ? new Positions() : undefined;
    this.max = opts.maxEventsPerFlow ?? MAX_TEXT_EVENTS_PER_FLOW;
  }

  push(ev: Event): void {
    const flow = num(ev.flow);
    // A flow's tls.session follows its close event at once; anything else first means the flow had no TLS.
    if (this.closing !== undefined && !(ev.type === 'tls.session' && flow === this.closing)) this.flush(this.closing);
    const at = this.positions?.observe(ev);
    // A packet that belongs to no live flow may be the one that opens the next: it waits for one event.
    const pending = this.pendingPacket;
    this.pendingPacket = undefined;
    if (pending && !(ev.type === 'flow' && ev.event === 'open' && at)) this.write(this.loose(pending, this.packetText(pending)));
    if (ev.type === 'packet') {
      if (!this.opts.show.has('packet')) return;
      if (at) this.add(this.blocks.get(at.flow), () => this.packetLine(ev, at.dir));
      else this.pendingPacket = ev;
      return;
    }
    if (flow === undefined) {
      if (!this.opts.show.has(ev.type)) return;
      if (ev.type === 'anomaly' && ev.code === 'input.unparsed') this.prose.push(ev);
      else this.write(this.loose(ev, this.eventText(ev)));
      return;
    }
    if (ev.type === 'flow' && ev.event === 'open') {
      const b: Block = {
        flow,
        client: str(ev.client) ?? '?',
        server: str(ev.server) ?? '?',
        opened: ev,
        lines: [],
        shown: 0,
        omitted: 0,
        tls: false,
        lastRecord: {},
      };
      this.blocks.set(flow, b);
      if (pending && at && this.opts.show.has('packet')) this.add(b, () => this.packetLine(pending, at.dir));
      return;
    }
    const b = this.blocks.get(flow);
    if (!b) {
      if (this.opts.show.has(ev.type)) this.write(this.loose(ev, this.eventText(ev)));
      return;
    }
    const dir: Dir = ev.dir === 's2c' ? 's2c' : 'c2s';
    switch (ev.type) {
      case 'flow':
        if (ev.event === 'close') {
          this.endRun(b);
          b.closeLine = this.closeText(ev);
          this.closing = flow;
        }
        return;
      case 'tls.session':
        this.endRun(b);
        b.session = ev;
        b.tls = true;
        this.flush(flow);
        return;
      case 'tls.record': {
        b.tls = true;
        const span = this.positions?.record(ev);
        b.lastRecord[dir] = span;
        if (!this.opts.show.has('tls.record')) return;
        if (ev.content === 'application_data' && !this.opts.explain && ev.flight === undefined && ev.truncated !== true) {
          if (b.run && b.run.dir === dir) {
            b.run.count++;
            b.run.bytes += num(ev.length) ?? 0;
            return;
          }
          this.endRun(b);
          b.run = { dir, count: 1, bytes: num(ev.length) ?? 0, first: ev };
          return;
        }
        this.endRun(b);
        this.add(b, () => this.recordLines(ev, dir, b.flow, span));
        return;
      }
      case 'tls.handshake': {
        b.tls = true;
        const rel = this.positions?.message(ev, b.lastRecord[dir]);
        if (!this.opts.show.has('tls.handshake')) return;
        this.endRun(b);
        this.add(b, () => this.handshakeLines(ev, dir, b.flow, rel));
        return;
      }
      default:
        if (ev.type === 'tls.alert') b.tls = true;
        if (!this.opts.show.has(ev.type)) return;
        this.endRun(b);
        this.add(b, () => [this.row(ev, dir, this.eventText(ev))]);
    }
  }

  end(): void {
    if (this.pendingPacket) this.write(this.loose(this.pendingPacket, this.packetText(this.pendingPacket)));
    this.pendingPacket = undefined;
    if (this.closing !== undefined) this.flush(this.closing);
    // Flows still open (the decoder closes every flow at the end of input, so normally none).
    for (const flow of [...this.blocks.keys()]) this.flush(flow);
    this.write('');
  }

  /** Writes text, after the prose anomalies held back (one line for all of them). */
  private write(text: string): void {
    if (this.prose.length > 0) this.out(this.foldedProse());
    if (text) this.out(text);
  }

  /**
   * Runs of prose in a row as one line: where they start and what the first and last say. One run alone keeps its
   * own line.
   */
  private foldedProse(): string {
    const runs = this.prose.splice(0);
    if (runs.length === 1) return this.loose(runs[0]!, this.eventText(runs[0]!));
    const first = runs[0]!;
    const last = runs[runs.length - 1]!;
    const lines = runs.map((e) => num(e.line)).filter((n): n is number => n !== undefined);
    const at = lines.length > 8 ? `${lines.slice(0, 6).join(', ')}, … ${lines[lines.length - 1]}` : lines.join(', ');
    const quote = (e: Event): string => /: ("(?:[^"\\]|\\.)*")$/.exec(String(e.message))?.[1] ?? '';
    const range = first.line !== undefined && last.line !== undefined ? { line: `${first.line}–${last.line}` } : first;
    const text =
      this.p.yellow(`anomaly input.unparsed ×${runs.length}`) +
      `: text that is not tcpdump output, skipped in ${runs.length} runs (at lines ${at}): ${show(quote(first))} … ${show(quote(last))}`;
    return `${this.p.dim((typeof range.line === 'string' ? `lines ${range.line}` : where(range)).padStart(11))}       ${text}\n`;
  }

  /**
   * Writes what the open blocks hold so far, for a live input that has gone quiet: each block with new
   * lines prints them under its header (`(continued)` after the first time), and its verdict follows at its close.
   */
  drain(): void {
    for (const b of this.blocks.values()) {
      if (b.flow === this.closing) continue;
      this.endRun(b);
      if (b.lines.length === 0) continue;
      this.out([this.header(b), ...b.lines].join('\n') + '\n\n');
      b.lines = [];
      b.drained = true;
    }
  }

  // ---- blocks ----

  /** Adds an event's lines to its block, or counts it once the block holds its limit of events. */
  private add(b: Block | undefined, lines: () => string[]): void {
    if (!b) return;
    if (b.shown >= this.max) {
      b.omitted++;
      return;
    }
    b.shown++;
    b.lines.push(...lines());
  }

  private endRun(b: Block): void {
    const r = b.run;
    if (!r) return;
    b.run = undefined;
    const what = r.count === 1 ? `application_data, ${plural(r.bytes, 'byte')}` : `application_data ×${r.count}, ${plural(r.bytes, 'byte')}`;
    this.add(b, () => [this.row(r.first, r.dir, this.p.dim(what))]);
  }

  private flush(flow: number): void {
    if (this.closing === flow) this.closing = undefined;
    const b = this.blocks.get(flow);
    if (!b) return;
    this.blocks.delete(flow);
    this.endRun(b);
    const showFlow = this.opts.show.has('flow');
    if (!b.tls && !showFlow && b.lines.length === 0) return;
    const p = this.p;
    const out: string[] = [this.header(b)];
    out.push(...b.lines);
    if (b.omitted > 0) {
      out.push(p.yellow(`  … ${plural(b.omitted, 'more event')} not shown: over the limit of ${this.max} events held per connection`));
    }
    if (b.closeLine && showFlow) out.push(b.closeLine);
    if (b.session) out.push(...this.verdictLines(b.session));
    else if (!b.tls) out.push(p.dim('  no TLS seen on this connection'));
    this.write(out.join('\n') + '\n\n');
  }

  private header(b: Block): string {
    const p = this.p;
    const opened = b.opened ? where(b.opened) + (b.opened.ts ? ` ${show(b.opened.ts)}` : '') : '';
    return (
      p.bold(`flow ${b.flow}  ${show(b.client)} → ${show(b.server)}`) +
      (b.drained ? p.dim('  (continued)') : opened ? p.dim(`  (opened ${opened})`) : '')
    );
  }

  // ---- lines ----

  /** One line of a block: where, which way, what. */
  private row(ev: Event, dir: Dir | undefined, text: string): string {
    const w = where(ev).padStart(11);
    return `${this.p.dim(w)}  ${dir ? ARROW[dir] : '   '}  ${text}`;
  }

  /** A continuation line under a row, indented to its text. */
  private sub(text: string, depth = 1): string {
    return ' '.repeat(18 + 2 * depth) + text;
  }

  private loose(ev: Event, text: string): string {
    return `${this.p.dim(where(ev).padStart(11))}       ${text}\n`;
  }

  private eventText(ev: Event): string {
    const p = this.p;
    switch (ev.type) {
      case 'anomaly':
        return p.yellow(`anomaly ${show(ev.code)}`) + `: ${show(ev.message)}`;
      case 'tls.alert':
        if (ev.encrypted === true) return p.yellow(`alert (encrypted${ev.inferred === true ? ', inferred' : ''})`);
        return (
          (ev.level === 'fatal' ? p.red : p.yellow)(`alert ${show(ev.level)} ${show(ev.description)}`) +
          p.dim(` (${num(ev.level_id) ?? '?'}, ${num(ev.description_id) ?? '?'})`)
        );
      case 'flow':
        return `flow ${show(ev.event)} ${show(ev.client)} → ${show(ev.server)}`;
      case 'tls.session':
        return `tls.session flow ${show(ev.flow)}`;
      default:
        return `${show(ev.type)}`;
    }
  }

  private packetText(ev: Event): string {
    const seq = num(ev.seq);
    const len = num(ev.len) ?? 0;
    const range = seq !== undefined ? ` seq ${seq}${len ? `:${(seq + len) >>> 0}` : ''}` : '';
    return this.p.dim(
      `packet ${show(ev.src)}.${show(ev.sport)} > ${show(ev.dst)}.${show(ev.dport)} ${show(ev.flags ?? ev.proto)}${range} (${plural(len, 'byte')}${ev.truncated === true && len > 0 ? `, ${num(ev.captured) ?? 0} captured` : ''})`,
    );
  }

  private packetLine(ev: Event, dir: Dir): string[] {
    const seq = num(ev.seq);
    const len = num(ev.len) ?? 0;
    const range = seq !== undefined ? ` seq ${seq}${len ? `:${(seq + len) >>> 0}` : ''}` : '';
    return [
      this.row(
        ev,
        dir,
        this.p.dim(
          `packet ${show(ev.flags)}${range} (${plural(len, 'byte')}${ev.truncated === true && len > 0 ? `, ${num(ev.captured) ?? 0} captured` : ''})`,
        ),
      ),
    ];
  }

  private closeText(ev: FlowEvent): string {
    const bytes: { c2s?: number; s2c?: number } = ev.bytes ?? {};
    const gaps = num(ev.gaps) ?? 0;
    return this.row(
      ev,
      undefined,
      this.p.dim(
        `closed (${show(ev.end)}): ${plural(num(bytes.c2s) ?? 0, 'byte')} C→S, ${plural(num(bytes.s2c) ?? 0, 'byte')} S→C${gaps ? `, ${plural(gaps, 'gap')}` : ''}`,
      ),
    );
  }

  private recordLines(ev: Event, dir: Dir, flow: number, span: RecordSpan | undefined): string[] {
    const p = this.p;
    const content = show(ev.content);
    const length = num(ev.length) ?? 0;
    let text = `${p.cyan('record')} ${content} ${show(ev.version)}, ${plural(length, 'byte')}`;
    const notes: string[] = [];
    if (ev.encrypted === true && ev.content !== 'application_data') notes.push('encrypted');
    if (typeof ev.flight === 'string') notes.push(`${show(ev.flight).replace(/_/g, ' ')}${ev.inferred === true ? ', inferred from its place' : ''}`);
    if (ev.truncated === true) notes.push(`truncated: ${num(ev.captured) ?? 0} bytes captured`);
    if (typeof ev.after_plaintext === 'number') notes.push(`after ${plural(ev.after_plaintext, 'byte')} of plaintext (STARTTLS)`);
    if (notes.length) text += p.dim(` (${notes.join('; ')})`);
    const lines = [this.row(ev, dir, text)];
    if (!this.opts.explain) return lines;
    const at = (rel: number): string => p.dim(placeText(span ? this.positions!.locate(flow, dir, span.start + rel) : undefined));
    const cid = num(ev.content_id) ?? 0;
    const vid = num(ev.version_id) ?? 0;
    if (ev.content === 'sslv2') {
      lines.push(this.sub(`Length 0x${((length | 0x8000) >>> 0).toString(16)} (${length}, high bit set: a 2-byte SSLv2 header) ${at(0)}`));
      return lines;
    }
    lines.push(this.sub(`ContentType ${hex(cid, 2)} (${cid}, ${content}) ${at(0)}`));
    lines.push(this.sub(`Version ${hex(vid, 4)} (${show(ev.version)}) ${at(1)}`));
    lines.push(this.sub(`Length ${hex(length, 4)} (${length}) ${at(3)}`));
    if (!span) lines.push(this.sub(p.dim('(positions in this direction are unknown after a gap, a resynchronisation or a truncated record)')));
    return lines;
  }

  private handshakeLines(ev: TlsHandshakeEvent, dir: Dir, flow: number, rel: ((r: number) => number | undefined) | undefined): string[] {
    const p = this.p;
    const msg = show(ev.msg);
    const length = num(ev.length) ?? 0;
    const summary = this.messageSummary(ev);
    const lines = [this.row(ev, dir, `  ${p.bold(msg)}${summary ? ' ' + summary : ''}${ev.truncated === true ? p.yellow(' (truncated)') : ''}`)];
    lines.push(...this.messageDetails(ev));
    if (!this.opts.explain) return lines;
    const at = (r: number): string => p.dim(placeText(rel ? this.positions!.locate(flow, dir, rel(r)) : undefined));
    const id = num(ev.msg_id) ?? 0;
    if (ev.sslv2 === true) return lines.concat(this.sslv2Explain(ev, at));
    lines.push(this.sub(`HandshakeType ${hex(id, 2)} (${id}, ${msg}) ${at(0)}`, 2));
    lines.push(this.sub(`Length ${hex(length, 6)} (${length}) ${at(1)}`, 2));
    if (ev.msg === 'client_hello' || ev.msg === 'server_hello') lines.push(...this.helloExplain(ev, at));
    return lines;
  }

  /** The fields of a ClientHello/ServerHello in wire order (RFC 8446 §4.1.2–4.1.3, RFC 5246 §7.4.1.2–7.4.1.3). */
  private helloExplain(ev: TlsHandshakeEvent, at: (r: number) => string): string[] {
    const out: string[] = [];
    const client = ev.msg === 'client_hello';
    const vid = num(client ? ev.version_id : (ev.legacy_version_id ?? ev.version_id)) ?? 0;
    const vname = show(client ? ev.version : (ev.legacy_version ?? ev.version));
    let o = 4;
    out.push(this.sub(`Version ${hex(vid, 4)} (${vname}) ${at(o)}`, 2));
    o += 2;
    const random = str(ev.random) ?? '';
    out.push(this.sub(`Random ${random.slice(0, 16)}… (32 bytes) ${at(o)}`, 2));
    o += 32;
    const sid = str(ev.session_id) ?? '';
    out.push(this.sub(`SessionID length ${hex(sid.length / 2, 2)} (${sid.length / 2}) ${at(o)}`, 2));
    o += 1 + sid.length / 2;
    if (client) {
      const n = Array.isArray(ev.cipher_ids) ? ev.cipher_ids.length : 0;
      out.push(this.sub(`CipherSuites length ${hex(2 * n, 4)} (${2 * n}: ${plural(n, 'suite')}) ${at(o)}`, 2));
      o += 2 + 2 * n;
      const m = Array.isArray(ev.compression_ids) ? ev.compression_ids.length : 0;
      out.push(this.sub(`CompressionMethods length ${hex(m, 2)} (${m}) ${at(o)}`, 2));
      o += 1 + m;
    } else {
      const cid = num(ev.cipher_id) ?? 0;
      out.push(this.sub(`CipherSuite ${hex(cid, 4)} (${show(ev.cipher)}) ${at(o)}`, 2));
      o += 2;
      out.push(this.sub(`CompressionMethod ${hex(num(ev.compression_id) ?? 0, 2)} (${show(ev.compression)}) ${at(o)}`, 2));
      o += 1;
    }
    const exts = Array.isArray(ev.extensions) ? ev.extensions : [];
    if (exts.length === 0 && o >= 4 + (num(ev.length) ?? 0)) return out;
    const total = exts.reduce((s, e) => s + 4 + (num(e.length) ?? 0), 0);
    out.push(this.sub(`Extensions length ${hex(total, 4)} (${total}) ${at(o)}`, 2));
    o += 2;
    for (const e of exts) {
      const id = num(e.id) ?? 0;
      const len = num(e.length) ?? 0;
      out.push(this.sub(`Extension ${hex(id, 4)} (${show(e.name ?? 'unknown')}, ${plural(len, 'byte')}) ${at(o)}`, 3));
      o += 4 + len;
    }
    return out;
  }

  /** SSLv2 CLIENT-HELLO (draft-hickman-netscape-ssl-00 "Client Only Protocol Messages"). */
  private sslv2Explain(ev: Event, at: (r: number) => string): string[] {
    const out: string[] = [];
    const id = num(ev.msg_id) ?? 0;
    out.push(this.sub(`MessageType ${hex(id, 2)} (${id}, ${show(ev.msg)}) ${at(0)}`, 2));
    if (ev.msg !== 'client_hello') return out;
    const vid = num(ev.version_id) ?? 0;
    const specs = Array.isArray(ev.cipher_ids) ? ev.cipher_ids.length : 0;
    const sid = (str(ev.session_id) ?? '').length / 2;
    const challenge = (str(ev.challenge) ?? '').length / 2;
    out.push(this.sub(`Version ${hex(vid, 4)} (${show(ev.version)}) ${at(1)}`, 2));
    out.push(this.sub(`CipherSpec length ${hex(3 * specs, 4)} (${3 * specs}: ${plural(specs, 'spec')} of 3 bytes) ${at(3)}`, 2));
    out.push(this.sub(`SessionID length ${hex(sid, 4)} (${sid}) ${at(5)}`, 2));
    out.push(this.sub(`Challenge length ${hex(challenge, 4)} (${challenge}) ${at(7)}`, 2));
    out.push(this.sub(`CipherSpecs ${at(9)}`, 2));
    out.push(this.sub(`Challenge ${(str(ev.challenge) ?? '').slice(0, 16)}… ${at(9 + 3 * specs + sid)}`, 2));
    return out;
  }

  /** The key fields of a handshake message, on its own line. */
  private messageSummary(ev: Event): string {
    const parts: string[] = [];
    switch (ev.msg) {
      case 'client_hello': {
        parts.push(show(ev.version));
        if (ev.sslv2 === true) parts.push('(SSLv2 format)');
        const n = Array.isArray(ev.cipher_ids) ? ev.cipher_ids.length : 0;
        parts.push(`· ${plural(n, 'cipher suite')}`);
        parts.push(`· SNI ${typeof ev.sni === 'string' ? show(ev.sni) : 'none'}`);
        if (Array.isArray(ev.alpn) && ev.alpn.length) parts.push(`· ALPN ${ev.alpn.map(show).join(', ')}`);
        if (Array.isArray(ev.supported_versions) && ev.supported_versions.length)
          parts.push(`· versions ${ev.supported_versions.map(show).join(', ')}`);
        break;
      }
      case 'server_hello': {
        if (ev.hello_retry_request === true) parts.push('(HelloRetryRequest)');
        parts.push(show(ev.version));
        parts.push(`· ${show(ev.cipher ?? `cipher ${hex(num(ev.cipher_id) ?? 0, 4)}`)}`);
        const sid = (str(ev.session_id) ?? '').length / 2;
        // In TLS 1.3 the echo of legacy_session_id is middlebox compatibility, not resumption (RFC 8446 §4.1.3, D.4).
        const tls13 = isTls13Id(num(ev.version_id));
        if (sid)
          parts.push(
            `· session id ${sid} bytes${ev.session_id_match === true ? (tls13 ? ' (echoed: compatibility mode)' : ' (echoed: resumption)') : ''}`,
          );
        break;
      }
      case 'certificate': {
        const n = Array.isArray(ev.certs) ? ev.certs.length : 0;
        parts.push(n === 0 ? this.p.yellow('(empty: no certificate sent)') : plural(n, 'certificate'));
        break;
      }
      case 'certificate_request': {
        if (Array.isArray(ev.cert_types)) parts.push(`types ${ev.cert_types.map(show).join(', ')}`);
        const cas = Array.isArray(ev.ca_names) ? ev.ca_names.length : 0;
        parts.push(`· ${cas ? plural(cas, 'CA name') : 'any CA'}`);
        break;
      }
      case 'server_key_exchange':
      case 'client_key_exchange':
        if (ev.kx !== undefined) parts.push(show(ev.kx));
        if (ev.named_group !== undefined) parts.push(`· ${show(ev.named_group)}`);
        if (ev.sig_alg !== undefined) parts.push(`· signed ${show(ev.sig_alg)}`);
        parts.push(`· ${plural(num(ev.length) ?? 0, 'byte')}`);
        break;
      default:
        parts.push(plural(num(ev.length) ?? 0, 'byte'));
    }
    return parts.join(' ');
  }

  /** Lines under a message: fingerprints, certificates, CA names. */
  private messageDetails(ev: Event): string[] {
    const p = this.p;
    const out: string[] = [];
    if (ev.msg === 'client_hello') {
      const fp = [ev.ja3_hash ? `JA3 ${show(ev.ja3_hash)}` : '', ev.ja4 ? `JA4 ${show(ev.ja4)}` : ''].filter(Boolean).join(' · ');
      if (fp) out.push(this.sub(p.dim(fp), 2));
    } else if (ev.msg === 'server_hello' && ev.ja3s_hash) {
      out.push(this.sub(p.dim(`JA3S ${show(ev.ja3s_hash)}`), 2));
    } else if (ev.msg === 'certificate' && Array.isArray(ev.certs)) {
      ev.certs.forEach((c: Record<string, unknown>, i: number) => {
        if (c.error !== undefined) {
          out.push(this.sub(`[${i}] ${p.yellow('not decoded')}: ${show(c.error)}${c.sha256 !== undefined ? ` · sha256 ${show(c.sha256)}` : ''}`, 2));
          return;
        }
        out.push(this.sub(`[${i}] ${show(c.subject)}`, 2));
        out.push(this.sub(p.dim(`issuer ${show(c.issuer)}`), 3));
        const san =
          Array.isArray(c.san) && c.san.length
            ? ` · SAN ${c.san.slice(0, 4).map(show).join(', ')}${c.san.length > 4 ? `, … (${c.san.length})` : ''}`
            : '';
        out.push(
          this.sub(
            p.dim(
              `valid ${show(c.not_before)} → ${show(c.not_after)} · ${show(c.key_type)} ${show(c.key_bits)} · ${show(c.sig_alg)}${c.self_signed === true ? ' · self-signed' : ''}${san}`,
            ),
            3,
          ),
        );
        out.push(this.sub(p.dim(`sha256 ${show(c.sha256)}`), 3));
      });
    } else if (ev.msg === 'certificate_request' && Array.isArray(ev.ca_names)) {
      for (const ca of ev.ca_names.slice(0, 8)) out.push(this.sub(p.dim(`CA ${show(ca)}`), 2));
      if (ev.ca_names.length > 8) out.push(this.sub(p.dim(`… ${ev.ca_names.length - 8} more CA names`), 2));
    }
    return out;
  }

  private verdictLines(s: TlsSessionEvent): string[] {
    const p = this.p;
    const out: string[] = [];
    const yesNo = (v: unknown): string => (v === true ? 'yes' : v === false ? 'no' : 'not visible');
    const established = s.established === true;
    // An excerpt's session says null where its rows do not show the outcome.
    const head = established ? p.green('established') : s.established === null ? p.yellow('outcome not visible') : p.red('NOT established');
    const handshake =
      s.resumed === null ? 'resumption not visible' : s.version == null ? 'no ServerHello seen' : s.resumed === true ? 'resumed' : 'full handshake';
    const facts = [show(s.version ?? 'no version'), show(s.cipher ?? 'no cipher'), handshake];
    if (typeof s.sni === 'string') facts.push(`SNI ${show(s.sni)}`);
    out.push(`  ${p.bold('verdict')}  ${head} · ${facts.join(' · ')}`);
    out.push(`           client certificate: requested ${yesNo(s.client_cert_requested)}, sent ${yesNo(s.client_cert_sent)}`);
    const alerts = Array.isArray(s.alerts) ? s.alerts : [];
    if (alerts.length) {
      const text = alerts
        .map(
          (a) =>
            `${a.dir === 's2c' ? 'server' : 'client'} ${a.encrypted === true ? `encrypted${a.inferred === true ? ' (inferred)' : ''}` : `${show(a.level)} ${show(a.description)}`}`,
        )
        .join('; ');
      out.push(`           alerts: ${text}`);
    }
    out.push(p.dim(`           history ${show(s.history)} · end ${show(s.end)} · ${where(s)}`));
    const diagnoses = (Array.isArray(s.diagnoses) ? s.diagnoses : [])
      .map((d, i) => ({ d, i }))
      .sort((a, b) => (SEVERITY_ORDER[String(a.d.severity)] ?? 3) - (SEVERITY_ORDER[String(b.d.severity)] ?? 3) || a.i - b.i)
      .map((x) => x.d);
    for (const d of diagnoses) {
      const sev = String(d.severity);
      const label = sev === 'error' ? p.red('ERROR  ') : sev === 'warning' ? p.yellow('WARNING') : p.dim('info   ');
      out.push(`  ${label}  ${p.bold(show(d.code))}: ${show(d.message)}`);
    }
    return out;
  }
}
