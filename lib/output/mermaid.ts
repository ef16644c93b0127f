// `--format mermaid`: one Mermaid sequenceDiagram per TLS connection (client and server as participants, one
// arrow per handshake message, alerts and resets in red, gaps as notes, the verdict in a closing note), each in a
// ```mermaid fence so the output pastes into a Markdown ticket or page as it is. Built from lib/output/ladder.ts.

import type { Event, EventType } from '../events.js';
import { Ladders, LADDER_NEEDS, whereOf, type Ladder, type Step } from './ladder.js';
import { sanitize } from './sanitize.js';

/** The event types the Mermaid output reads: a ladder's. */
export const MERMAID_NEEDS: readonly EventType[] = LADDER_NEEDS;

/**
 * Characters written as they are: letters, digits, a few ASCII punctuation marks Mermaid gives no meaning inside a
 * label, and anything past U+00A0 (sanitize has already replaced the controls and bidi marks there). Every other
 * character becomes a Mermaid entity code `#NNN;`.
 */
const SAFE = /^[A-Za-z0-9 .,:/=_@'+*!?()\u00a0-\u{10ffff}-]$/u;
/** Longest line inside an arrow label or a note before it is wrapped (Mermaid does not wrap by itself). */
const WRAP = 90;

/**
 * A string from the wire (or any text) as Mermaid label text that cannot end the statement, open a comment
 * (`%%`), start an arrow, close the code fence or carry markup: terminal controls are first made visible
 * (sanitize), then everything outside a small ASCII set is written as Mermaid's decimal entity code, `<` as
 * `#60;`, `;` as `#59;`, `#` as `#35;`, a newline as `#92;x0a` (a visible `\x0a`). Mermaid decodes the codes
 * into text after parsing (its `encodeEntities`/`decodeEntities`), so the reader sees the original characters.
 */
export function mermaidText(s: string): string {
  let out = '';
  for (const ch of sanitize(s)) out += SAFE.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  return out;
}

/** Breaks a raw string into lines of at most `width` characters at spaces or commas (long words are cut). */
export function wrapText(s: string, width = WRAP): string[] {
  const chars = [...s];
  const lines: string[] = [];
  let start = 0;
  while (chars.length - start > width) {
    let cut = -1;
    for (let i = start + width; i > start + width / 2; i--) {
      if (chars[i] === ' ' || chars[i - 1] === ',') {
        cut = i;
        break;
      }
    }
    if (cut < 0) cut = start + width;
    lines.push(chars.slice(start, cut).join('').trimEnd());
    start = chars[cut] === ' ' ? cut + 1 : cut;
  }
  lines.push(chars.slice(start).join(''));
  return lines;
}

/** Label text: each raw phrase wrapped, escaped, and the lines joined with Mermaid's `<br/>`. */
function label(phrases: readonly string[]): string {
  return phrases
    .flatMap((p) => wrapText(p))
    .map(mermaidText)
    .join('<br/>');
}

const RED = 'rect rgb(255, 205, 210)';
const AMBER = 'rect rgb(255, 236, 179)';
const GREEN = 'rect rgb(200, 230, 201)';
const SEVERITY_ORDER: Record<string, number> = { error: 0, warning: 1, info: 2 };

/** The arrow statement of one step; `C` is the client, `S` the server. */
function stepLines(st: Step): string[] {
  const from = st.dir === 's2c' ? 'S' : 'C';
  const to = st.dir === 's2c' ? 'C' : 'S';
  const head = `${st.title} (${st.at})`;
  switch (st.kind) {
    case 'message': {
      // A certificate or CA name a line; the other messages' facts on one line.
      const listy = st.title === 'Certificate' || st.title === 'CertificateRequest';
      return [`${from}->>${to}: ${label([head, ...(listy ? st.facts : [st.facts.join(' · ')])].filter(Boolean))}`];
    }
    case 'ccs':
      return [`${from}->>${to}: ${label([head])}`];
    case 'records':
      return [`${from}-->>${to}: ${label([head, ...st.facts])}`];
    case 'alert': {
      const text = label([`ALERT from the ${st.dir === 's2c' ? 'server' : 'client'}: ${head}`, ...st.facts]);
      return [RED, st.dir ? `${from}-x${to}: ${text}` : `Note over C,S: ${text}`, 'end'];
    }
    case 'reset':
      return [RED, `Note over C,S: ${label([head])}`, 'end'];
    case 'gap': {
      const side = st.dir === 's2c' ? 'S' : st.dir === 'c2s' ? 'C' : 'C,S';
      return [AMBER, `Note over ${side}: ${label([`${head}: ${st.facts.join(' · ')}`])}`, 'end'];
    }
    default:
      return [`Note over C,S: ${label([head, ...st.facts])}`];
  }
}

/** The closing note: verdict, client-certificate facts, alerts and diagnoses (errors first). */
function verdictLines(l: Ladder): string[] {
  const s = l.session;
  if (!s) return [`Note over C,S: ${label([`no verdict: the input ended before this connection's tls.session (end ${l.end ?? 'unknown'})`])}`];
  const yesNo = (v: unknown): string => (v === true ? 'yes' : v === false ? 'no' : 'not visible');
  const established = s.established === true;
  const phrases = [
    `verdict (${whereOf(s)}): ${established ? 'established' : 'NOT established'} · ${String(s.version ?? 'no version')} · ${String(s.cipher ?? 'no cipher')}${typeof s.sni === 'string' ? ` · SNI ${s.sni}` : ''}${s.resumed === true ? ' · resumed' : ''}`,
    `client certificate: requested ${yesNo(s.client_cert_requested)}, sent ${yesNo(s.client_cert_sent)}`,
  ];
  const alerts = Array.isArray(s.alerts) ? s.alerts : [];
  if (alerts.length)
    phrases.push(
      `alerts: ${alerts.map((a) => `${a.dir === 's2c' ? 'server' : 'client'} ${a.encrypted === true ? `encrypted${a.inferred === true ? ' (inferred)' : ''}` : `${String(a.level)} ${String(a.description)}`}`).join('; ')}`,
    );
  phrases.push(`history ${String(s.history ?? '')} · end ${String(s.end ?? l.end ?? '?')}`);
  const diagnoses = (Array.isArray(s.diagnoses) ? s.diagnoses : [])
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (SEVERITY_ORDER[String(a.d.severity)] ?? 3) - (SEVERITY_ORDER[String(b.d.severity)] ?? 3) || a.i - b.i)
    .map((x) => x.d);
  for (const d of diagnoses) phrases.push(`${String(d.severity).toUpperCase()} ${String(d.code)}: ${String(d.message ?? '')}`);
  const worst = diagnoses[0]?.severity;
  return [established && worst !== 'error' ? GREEN : worst === 'error' || !established ? RED : AMBER, `Note over C,S: ${label(phrases)}`, 'end'];
}

/**
 * Characters of steps per diagram: Mermaid refuses a diagram over its `maxTextSize` (50,000 by default), so the
 * steps past this are counted in a note instead, leaving room for the closing verdict.
 */
export const MAX_MERMAID_STEP_CHARS = 36_000;

/** One connection as a fenced Mermaid sequenceDiagram. */
export function mermaidDiagram(l: Ladder): string {
  const out = ['```mermaid', 'sequenceDiagram'];
  out.push(`    title ${label([`flow ${l.flow}${l.opened ? ` · opened ${l.opened}` : ''}`])}`);
  out.push(`    participant C as ${label([`client ${l.client}`])}`);
  out.push(`    participant S as ${label([`server ${l.server}`])}`);
  let chars = 0;
  let omitted = l.omitted;
  for (const st of l.steps) {
    const lines = stepLines(st).map((x) => '    ' + x);
    const n = lines.reduce((a, x) => a + x.length + 1, 0);
    if (omitted > l.omitted || chars + n > MAX_MERMAID_STEP_CHARS) {
      omitted++;
      continue;
    }
    chars += n;
    out.push(...lines);
  }
  if (omitted > 0) out.push(`    Note over C,S: ${label([`… ${omitted} more steps not shown (over the limit of a diagram)`])}`);
  out.push(...verdictLines(l).map((x) => '    ' + x));
  out.push('```');
  return out.join('\n') + '\n\n';
}

/** The `--format mermaid` core: events in, one fenced diagram per TLS connection out, as each connection ends. */
export class MermaidFormatter {
  private readonly ladders: Ladders;

  constructor(out: (text: string) => void) {
    this.ladders = new Ladders((l) => {
      if (l.tls) out(mermaidDiagram(l));
    });
  }

  push(ev: Event): void {
    this.ladders.push(ev);
  }

  end(): void {
    this.ladders.end();
  }
}
