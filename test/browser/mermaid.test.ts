import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { MermaidFormatter, MERMAID_NEEDS } from '../../lib/output/mermaid.js';
import { EVIL_ISSUER, EVIL_SUBJECT, evilCapture, evilConnection } from '../output/evil.js';
import { ARTIFACTS, browserMissing, launch, type Browser } from '../support/browser.js';
import { FIXTURES, skipping } from '../support/shared.js';

// `--format mermaid` rendered by the real `mermaid` package (node_modules, inlined into a local page) in headless
// Chromium: what a person sees in a ticket. Screenshots go to test-artifacts/mermaid-*.png.

const missing = browserMissing();
if (missing) skipping(`browser tests (Mermaid): ${missing}`);
const test = suite<{ browser?: Browser; seen?: Map<string, Rendered> }>('mermaid in Chromium');
const it = missing ? test.skip : test;

interface Message {
  lines: string[];
  /** Which way the arrow points: c2s (left to right: the client is the first participant) or s2c. */
  dir: 'c2s' | 's2c';
  /** The arrow's line class: messageLine0 solid, messageLine1 dotted. */
  style: string;
}
interface Rendered {
  error?: string;
  actors: string[];
  messages: Message[];
  notes: string[];
  /** Elements that markup in a wire string could have made. */
  injected: number;
}

function diagramsOf(events: readonly Event[]): string[] {
  let text = '';
  const f = new MermaidFormatter((s) => (text += s));
  for (const ev of events) f.push(ev);
  f.end();
  return text
    .split('```mermaid\n')
    .slice(1)
    .map((d) => d.slice(0, d.indexOf('```')));
}

const fixture = (name: string, file = join(FIXTURES, `${name}.pcap`)): Event[] =>
  decodeAll(readFileSync(file), defaultOptions({ events: new Set(MERMAID_NEEDS) }));

/** A local page with mermaid.min.js inline and the diagrams as JSON data; nothing is fetched. */
function page(diagrams: Record<string, string>): string {
  const lib = readFileSync(createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js'), 'utf8');
  const json = JSON.stringify(diagrams).replace(/</g, '\\u003c');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>tlsdump mermaid</title>
<style>body{font-family:sans-serif;background:#fff;margin:8px} .d{margin:0 0 24px;display:inline-block}</style></head><body>
<script>window.__alerts = 0; window.alert = function () { window.__alerts++; };</script>
<script>${lib.replace(/<\/script/gi, '<\\/script')}</script>
<script>window.DIAGRAMS = ${json};</script></body></html>`;
}

test.before(async (ctx) => {
  if (missing) return;
  const diagrams: Record<string, string> = {};
  for (const name of ['mtls12-nocert', 'mtls12-wrongca', 'mtls13-nocert', 'mtls13-wrongca']) diagrams[name] = diagramsOf(fixture(name))[0]!;
  diagrams['evil-capture'] = diagramsOf(fixture('evil', evilCapture()))[0]!;
  diagrams['evil-strings'] = diagramsOf(evilConnection())[0]!;
  const file = join(ARTIFACTS, 'mermaid.html');
  const browser = await launch();
  ctx.browser = browser;
  writeFileSync(file, page(diagrams));
  const p = await browser.newPage();
  await p.setViewport({ width: 1400, height: 900 });
  let dialogs = 0;
  p.on('dialog', (d) => {
    dialogs++;
    // An event handler's promise goes nowhere: a failed dismiss() surfaces as an unhandled rejection.
    void d.dismiss();
  });
  await p.goto('file://' + file, { waitUntil: 'load' });
  const out = (await p.evaluate(async () => {
    const w = window as unknown as {
      mermaid: { initialize(o: object): void; render(id: string, s: string): Promise<{ svg: string }> };
      DIAGRAMS: Record<string, string>;
    };
    w.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', sequence: { useMaxWidth: false } });
    const res: Record<string, unknown> = {};
    for (const [name, src] of Object.entries(w.DIAGRAMS)) {
      const box = document.createElement('div');
      box.className = 'd';
      box.id = 'd-' + name;
      document.body.appendChild(box);
      try {
        box.innerHTML = (await w.mermaid.render('m-' + name, src)).svg;
      } catch (e) {
        res[name] = { error: String(e), actors: [], messages: [], notes: [], injected: 0 };
        continue;
      }
      const svg = box.querySelector('svg')!;
      const actors = [...svg.querySelectorAll('text.actor')].map((t) => t.textContent ?? '');
      const messages: { lines: string[]; dir: string; style: string }[] = [];
      let lines: string[] = [];
      for (const el of [...svg.querySelectorAll('text.messageText, line[class^=messageLine]')]) {
        if (el.tagName === 'text') lines.push(el.textContent ?? '');
        else {
          const x1 = Number(el.getAttribute('x1'));
          const x2 = Number(el.getAttribute('x2'));
          messages.push({ lines, dir: x1 < x2 ? 'c2s' : 's2c', style: el.getAttribute('class') ?? '' });
          lines = [];
        }
      }
      const notes = [...svg.querySelectorAll('text.noteText')].map((t) => t.textContent ?? '');
      const injected = svg.querySelectorAll('script, img, iframe, foreignObject, i, [onload], [onerror], svg svg').length;
      res[name] = { actors, messages, notes, injected };
    }
    return res;
  })) as Record<string, Rendered>;
  for (const name of Object.keys(diagrams)) {
    const el = await p.$('#d-' + name);
    if (el) await el.screenshot({ path: join(ARTIFACTS, `mermaid-${name}.png`) });
  }
  const pwned = await p.evaluate('[window.__pwned, window.__alerts]');
  ctx.seen = new Map(Object.entries(out));
  ctx.seen.set('__page', { error: JSON.stringify({ pwned, dialogs }), actors: [], messages: [], notes: [], injected: 0 });
  await p.close();
});

test.after(async (ctx) => {
  await ctx.browser?.close();
});

const find = (r: Rendered, first: string): Message => {
  const m = r.messages.find((x) => x.lines[0] === first);
  assert.ok(m, `no arrow labelled '${first}' among ${r.messages.map((x) => x.lines[0]).join(' | ')}`);
  return m!;
};

it('every diagram renders without a Mermaid error, with client and server and their addresses', (ctx) => {
  for (const [name, r] of ctx.seen!) {
    if (name === '__page') continue;
    assert.is(r.error, undefined, `${name}: ${r.error}`);
    assert.ok(
      r.actors.some((a) => /^client 10\.(99\.0\.1|0\.0\.1):\d+$/.test(a)),
      `${name}: ${r.actors.join(', ')}`,
    );
    assert.ok(
      r.actors.some((a) => /^server 10\.(99\.0\.2|0\.0\.2):\d+$/.test(a)),
      name,
    );
  }
});

it('mtls12-nocert: the CertificateRequest with its CA name, the client empty Certificate, the server fatal alert', (ctx) => {
  const r = ctx.seen!.get('mtls12-nocert')!;
  const req = find(r, 'CertificateRequest (frame 8)');
  assert.is(req.dir, 's2c');
  assert.equal(req.lines.slice(1), ['types rsa_sign, dss_sign, ecdsa_sign', 'CA CN=tlsdump Test Client CA,O=tlsdump test']);
  const cert = find(r, 'Certificate (frame 10)');
  assert.is(cert.dir, 'c2s');
  assert.equal(cert.lines.slice(1), ['EMPTY: no certificate sent']);
  const alert = find(r, 'ALERT from the server: Alert fatal handshake_failure (frame 11)');
  assert.is(alert.dir, 's2c');
  assert.ok(
    r.notes.some((n) => n.startsWith('ERROR client_cert_not_sent: the server asked for a client certificate at frame 8')),
    r.notes.join('\n'),
  );
  // Mermaid's entity codes came out as the characters: `;` in the diagnosis, not #59;.
  assert.ok(
    r.notes.some((n) => n.includes("ecdsa_sign; 1 CA name: 'CN=tlsdump Test Client CA,O=tlsdump test');")),
    r.notes.join('\n'),
  );
  assert.equal(
    find(r, 'ClientHello (frame 4)').lines[1],
    'TLS 1.2 · versions TLS 1.3, TLS 1.2, TLS 1.1, TLS 1.0 · SNI server.test · 31 cipher suites',
  );
});

it('mtls12-wrongca: the client chain with its issuer, and unknown_ca from the server', (ctx) => {
  const r = ctx.seen!.get('mtls12-wrongca')!;
  const cert = find(r, 'Certificate (frame 10)');
  assert.is(cert.dir, 'c2s');
  assert.equal(cert.lines.slice(1), ['1 certificate', 'CN=other-client.test,O=tlsdump test ← issued by CN=tlsdump Test Other CA,O=tlsdump test']);
  assert.is(find(r, 'ALERT from the server: Alert fatal unknown_ca (frame 11)').dir, 's2c');
  const fin = find(r, 'encrypted handshake (frame 10)');
  assert.is(fin.style, 'messageLine1', 'encrypted records are dotted');
  assert.equal(fin.lines.slice(1), ['40 bytes']);
});

it('mtls13 failures: the encrypted flights with their record sizes, and the alert inferred from the server', (ctx) => {
  for (const name of ['mtls13-nocert', 'mtls13-wrongca']) {
    const r = ctx.seen!.get(name)!;
    assert.equal(find(r, 'encrypted server handshake (frame 6)').lines[1], '5 records, 23 + 128 + 1795 + 281 + 69 = 2296 bytes', name);
    const fin = r.messages.find((m) => m.lines[0] === 'encrypted client finished (frame 10)');
    assert.ok(fin && fin.dir === 'c2s', name);
    const alert = r.messages.find((m) => m.lines[0]!.startsWith('ALERT from the server: Alert (encrypted, inferred)'));
    assert.ok(alert && alert.dir === 's2c', name);
    assert.equal(alert!.lines.slice(1), ['one 19-byte record: the size of an encrypted alert'], name);
    assert.ok(
      r.notes.some((n) => n.includes('client certificate: requested not visible, sent not visible')),
      name,
    );
  }
});

it('evil certificate subjects and strings are shown as text: no element made, no script run, no diagram broken', (ctx) => {
  const page = JSON.parse(ctx.seen!.get('__page')!.error!) as { pwned: [unknown, number]; dialogs: number };
  assert.equal(page.pwned, [null, 0], 'window.__pwned unset and alert() never called');
  assert.is(page.dialogs, 0);
  const cap = ctx.seen!.get('evil-capture')!;
  assert.is(cap.injected, 0);
  // RFC 4514 escapes <, >, ; with a backslash in the DN; the rest is the markup as it was.
  const dn = (s: string) => s.replace(/([<>;])/g, '\\$1');
  const cert = find(cap, 'Certificate (frame 10)');
  assert.ok(
    cert.lines
      .slice(1)
      .join('')
      .includes(`CN=${dn(EVIL_SUBJECT)},O=tlsdump test ← issued by CN=${dn(EVIL_ISSUER)},O=tlsdump test`),
    cert.lines.join('\n'),
  );
  // The terminal controls in the SNI are visible escapes.
  assert.ok(find(cap, 'ClientHello (frame 4)').lines[1]!.includes('SNI \\x1b]0;\\x07\\x0a\\u{202e}\\x1bc'));
  const syn = ctx.seen!.get('evil-strings')!;
  assert.is(syn.injected, 0);
  // One arrow per message, none added by `-->>`, `;` or a newline inside the strings; the alert is one arrow.
  assert.equal(
    syn.messages.map((m) => m.lines[0]),
    [
      'ClientHello (line 2)',
      'ServerHello (line 3)',
      'Certificate (line 4)',
      'CertificateRequest (line 5)',
      'ALERT from the server: Alert fatal -->>S: pwned (line 6)',
    ],
  );
  const all = [...syn.messages.flatMap((m) => m.lines), ...syn.notes].join('\n');
  assert.ok(all.includes('<script>window.__pwned = 1</script>'));
  assert.ok(all.includes('%%{init: {"theme":"dark"}}%%'));
  assert.ok(all.includes('line1\\x0aline2\\x0d\\x0aS->>C: injected'));
});

test.run();
