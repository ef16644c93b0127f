// `tlsdump report --html FILE`: one self-contained HTML page (no network, every script and style inline) with a
// sortable, filterable table of connections and, per connection, an SVG ladder, the diagnoses with their evidence
// and each certificate chain with its validity and checks. The data goes into the page as JSON inside a
// `<script type="application/json">` block, written connection by connection as ladders complete (memory stays
// bounded); the page's script builds every element with textContent, so nothing from the wire becomes markup.

import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isRecord, type Event, type TlsSessionEvent } from '../events.js';
import { defaultOptions } from '../options.js';
import { diagnosesOf, worstDiagnosis } from '../session/diagnosis.js';
import { Ladders, LADDER_NEEDS, type Ladder } from '../output/ladder.js';
import { decodeStream } from '../pipeline.js';
import { sanitize } from '../output/sanitize.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './html-page.js';
import { readValues } from './index.js';

/** Certificates remembered as already written (later connections refer to them by SHA-256). */
export const MAX_REPORT_CERTS = 100_000;
/**
 * Distinct strings written once into the page's string table and referred to by number afterwards (message
 * titles, facts, diagnosis codes and messages repeat across connections: 10,000 connections take half the bytes).
 * Past this many, strings are written in place.
 */
export const MAX_REPORT_STRINGS = 200_000;

/** Certificate fields the page shows. */
const CERT_KEYS = [
  'subject',
  'issuer',
  'serial',
  'not_before',
  'not_after',
  'san',
  'key_type',
  'key_bits',
  'sig_alg',
  'self_signed',
  'error',
] as const;

/**
 * JSON safe inside a `<script>` element: `<`, `>` and `&` as \u escapes (no `</script>` or `<!--` can form), and
 * U+2028/U+2029 escaped too. JSON.parse reads it back unchanged.
 */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text for an HTML text node or attribute value written by this module (the page title). */
export function htmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Cert = Record<string, unknown>;

/** The pure core: push events (decoded or read back from NDJSON), end; the page goes to `out` in pieces. */
export class HtmlReport {
  private readonly ladders: Ladders;
  private readonly certs = new Map<string, Map<string, string[]>>();
  private readonly seen = new Set<string>();
  /** Certificates to write with the next connection that refers to them. */
  private readonly pending = new Map<string, Cert>();
  private count = 0;
  private started = false;
  private input: string | undefined;
  private readonly strings = new Map<string, number>();
  private fresh: string[] = [];

  constructor(
    private readonly out: (text: string) => void,
    private readonly title = 'tlsdump report',
  ) {
    this.ladders = new Ladders((l) => this.connection(l));
  }

  push(value: unknown): void {
    if (!isRecord(value) || typeof value.type !== 'string') return;
    // Parse boundary: NDJSON read back is taken for tlsdump's own events (docs/events.md); the ladder and this page
    // still check each field's type where they read it, so a foreign or damaged value shows as missing, not wrong.
    const ev = value as Event;
    if (ev.type === 'tls.handshake' && ev.msg === 'certificate' && typeof ev.flow === 'number') this.chain(ev);
    this.ladders.push(ev);
  }

  /** The input whose events come next (its name is shown with its connections when a page holds several). */
  beginInput(name: string): void {
    this.input = name;
  }

  /** The end of one input: its open connections are finished (the next input numbers its flows from 0 again). */
  endInput(): void {
    this.ladders.end();
    this.certs.clear();
  }

  end(): void {
    this.endInput();
    this.start();
    this.out(`]</script>\n<script>${PAGE_SCRIPT}</script>\n</body>\n</html>\n`);
  }

  /** How many connections the page lists. */
  get connections(): number {
    return this.count;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    const hash = createHash('sha256').update(PAGE_SCRIPT).digest('base64');
    // The policy lets only the page's own script run (by its hash) and fetch nothing: defence in depth on top of
    // building every element from text.
    const csp = `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; img-src data:`;
    this.out(
      `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="${csp}">\n` +
        `<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${htmlText(this.title)}</title>\n<style>${PAGE_STYLE}</style>\n</head>\n<body>\n` +
        `<header><h1>${htmlText(this.title)}</h1><div id="totals">loading…</div>\n` +
        `<div id="controls"><input id="filter" type="search" placeholder="filter: address, SNI, version, verdict, diagnosis; &#34;a phrase&#34;" aria-label="filter" size="60">` +
        ` <label><input id="failed" type="checkbox"> not established only</label> <span id="shown"></span></div></header>\n` +
        `<main><div id="table" role="table"><div id="thead" role="row"></div><div id="viewport"><div id="spacer"></div><div id="rows"></div></div></div>` +
        `<section id="detail"><p class="hint">Choose a connection to see its ladder, diagnoses and certificate chains.</p></section></main>\n` +
        `<script type="application/json" id="data">[`,
    );
  }

  /** Keeps a Certificate message's certificates per flow and direction, by SHA-256, until the flow's ladder ends. */
  private chain(ev: Event): void {
    const flow = String(ev.flow);
    let byDir = this.certs.get(flow);
    if (!byDir) this.certs.set(flow, (byDir = new Map()));
    const list: unknown[] = Array.isArray(ev.certs) ? ev.certs : [];
    const shas: string[] = [];
    for (const c of list) {
      if (!isRecord(c)) continue;
      const sha = typeof c.sha256 === 'string' ? c.sha256 : '';
      shas.push(sha);
      if (this.seen.has(sha) || this.pending.has(sha)) continue;
      const keep: Cert = {};
      for (const k of CERT_KEYS) {
        const v = c[k];
        if (v !== undefined)
          keep[k] = typeof v === 'string' ? sanitize(v) : Array.isArray(v) ? v.map((x: unknown) => (typeof x === 'string' ? sanitize(x) : x)) : v;
      }
      this.pending.set(sha, keep);
    }
    byDir.set(String(ev.dir), shas);
  }

  /** A string as its number in the page's string table (added to `fresh` the first time); anything else as it is. */
  private s(raw: unknown): unknown {
    if (typeof raw !== 'string') return raw ?? null;
    // Controls and bidi marks made visible (`\x1b`, `\u{202e}`): a right-to-left override would reverse the text.
    const v = sanitize(raw);
    const n = this.strings.get(v);
    if (n !== undefined) return n;
    if (this.strings.size >= MAX_REPORT_STRINGS) return v;
    this.strings.set(v, this.strings.size);
    this.fresh.push(v);
    return this.strings.size - 1;
  }

  private connection(l: Ladder): void {
    if (!l.tls) return;
    this.start();
    const s: Partial<TlsSessionEvent> = l.session ?? {};
    const diagnoses = diagnosesOf(s.diagnoses);
    const worst = worstDiagnosis(diagnoses);
    const byDir = this.certs.get(String(l.flow));
    this.certs.delete(String(l.flow));
    const chains: Record<string, string[]> = {};
    const newCerts: Record<string, Cert> = {};
    for (const [dir, shas] of byDir ?? []) {
      chains[dir] = shas;
      for (const sha of shas) {
        const c = this.pending.get(sha);
        if (!c) continue;
        this.pending.delete(sha);
        newCerts[sha] = c;
        if (this.seen.size < MAX_REPORT_CERTS) this.seen.add(sha);
      }
    }
    const rec = {
      in: this.s(this.input),
      f: l.flow,
      c: l.client,
      s: l.server,
      o: l.opened,
      sni: this.s(s.sni),
      v: this.s(s.version),
      ci: this.s(s.cipher),
      e: s.established === true,
      r: s.resumed === true,
      cr: s.client_cert_requested,
      cs: s.client_cert_sent,
      h: this.s(s.history),
      end: this.s(s.end ?? l.end),
      ts: s.ts,
      at: typeof s.line === 'number' ? `line ${s.line}` : typeof s.frame === 'number' ? `frame ${s.frame}` : undefined,
      w: worst ? [this.s(worst.severity), this.s(worst.code)] : undefined,
      d: diagnoses.map((d) => [this.s(d.severity), this.s(d.code), this.s(d.message), this.s(d.side)]),
      al: Array.isArray(s.alerts)
        ? s.alerts
            .filter(isRecord)
            .map((a) => ({ dir: a.dir, level: this.s(a.level), description: this.s(a.description), encrypted: a.encrypted, inferred: a.inferred }))
        : undefined,
      st: l.steps.map((st) => [this.s(st.kind), st.dir ?? '', st.at, this.s(st.title), st.facts.map((f) => this.s(f))]),
      om: l.omitted || undefined,
      ch: chains,
      nc: Object.keys(newCerts).length ? newCerts : undefined,
      nv: l.session ? undefined : true,
      // Strings first used by this connection, in table order; the page adds them before reading the rest.
      ns: this.fresh.length ? this.fresh : undefined,
    };
    this.fresh = [];
    this.out((this.count++ ? ',\n' : '\n') + scriptJson(rec));
  }
}

/** Keys of events the page never reads, dropped as tokens when NDJSON is read back (certificates are kept). */
const HTML_DROP =
  /(^|\.)(extensions|ciphers|compression_ids|compressions|extension_ids|ja3|ja3s|ja4_r|random|session_id|challenge|sig_alg_ids|sig_algs|supported_version_ids|key_share_groups|server_certs|client_certs|psk_identities)$/;

/** The first chunk of a stream and the whole stream again (that chunk first). */
async function peek(input: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const rest = async function* () {
    if (!first.done) yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield Buffer.from(n.value);
    }
  };
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

/**
 * Writes the page for the inputs, one after the other, to `output`. An input that starts with `{` is saved NDJSON
 * (any --events; `--events all` or the default set give the most); anything else is a capture (tcpdump text, pcap
 * or pcapng), decoded here with the events a ladder needs. Resolves with the number of connections listed.
 */
export async function htmlReport(
  inputs: Iterable<{ name: string; open: () => Readable }>,
  output: NodeJS.WritableStream,
  title?: string,
): Promise<number> {
  const r = new HtmlReport((s) => output.write(s), title);
  const asCore = { push: (v: unknown) => r.push(v), end: () => r.endInput() };
  for (const { name, open } of inputs) {
    r.beginInput(name);
    const { head, stream } = await peek(open());
    const ndjson = /^\s*\{/.test(head.subarray(0, 256).toString('latin1'));
    if (ndjson) {
      await readValues(stream, HTML_DROP, asCore);
      continue;
    }
    const sink = new Writable({
      objectMode: true,
      write(ev: Event, _enc, cb) {
        r.push(ev);
        cb();
      },
      final(cb) {
        r.endInput();
        cb();
      },
    });
    await pipeline(stream, decodeStream(defaultOptions({ events: new Set(LADDER_NEEDS) })), sink);
  }
  r.end();
  return r.connections;
}
