import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Event } from '../../lib/events.js';
import { sanitize } from '../../lib/output/sanitize.js';
import { HtmlReport, htmlReport, htmlText, scriptJson } from '../../lib/report/html.js';
import { PAGE_SCRIPT } from '../../lib/report/html-page.js';
import { EVIL_STRINGS, evilConnection } from '../output/evil.js';
import { FIXTURES, ROOT } from '../support/shared.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');
const tmp = mkdtempSync(join(tmpdir(), 'tlsdump-html-'));

function pageOf(events: readonly Event[]): string {
  let page = '';
  const r = new HtmlReport((s) => (page += s));
  for (const ev of events) r.push(ev);
  r.end();
  return page;
}

/** The page split into its data block (JSON) and everything else. */
function parts(page: string): { data: unknown[]; rest: string; json: string } {
  const open = '<script type="application/json" id="data">';
  const a = page.indexOf(open);
  const b = page.indexOf('</script>', a);
  const json = page.slice(a + open.length, b);
  return { data: JSON.parse(json) as unknown[], rest: page.slice(0, a) + page.slice(b), json };
}

/** Every string inside a JSON value. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  return out;
}

test('scriptJson: no <, >, & or line separator survives raw, and JSON.parse gives the value back', () => {
  for (const s of EVIL_STRINGS) {
    const j = scriptJson({ s, a: [s] });
    assert.not.match(j, /[<>&\u2028\u2029]/, s);
    assert.equal(JSON.parse(j), { s, a: [s] });
  }
  assert.is(htmlText('<a href="x">&\''), '&#60;a href=&#34;x&#34;&#62;&#38;&#39;');
});

test('html report: evil wire strings stay inside the JSON data block, sanitised, and the page has exactly its two scripts', () => {
  const page = pageOf([...evilConnection(0), ...evilConnection(1)]);
  const { data, rest, json } = parts(page);
  assert.is(data.length, 2);
  assert.is(page.match(/<script/g)?.length, 2);
  assert.is(page.match(/<\/script>/g)?.length, 2);
  assert.not.match(json, /[<>]/);
  // Nothing of the wire is outside the data block.
  for (const s of EVIL_STRINGS) if (s.length > 4) assert.not.ok(rest.includes(s), s);
  // The strings are there, with controls and bidi marks made visible.
  const all = strings(data);
  assert.ok(
    all.some((s) => s.includes(sanitize(EVIL_STRINGS[10]!))),
    'the RLO string, sanitised',
  );
  assert.not.ok(
    all.some((s) => /[\u0000-\u001f\u202e]/.test(s)),
    'no raw control or bidi character',
  );
  assert.ok(all.some((s) => s.includes('<script>window.__pwned = 1</script>')));
  // The second connection refers to the first one's strings and certificates: nothing is written twice.
  const [a, b] = data as Record<string, unknown>[];
  assert.ok(Array.isArray(a!.ns) && a!.nc !== undefined);
  assert.is(b!.nc, undefined);
  assert.ok(!b!.ns || (b!.ns as unknown[]).length < (a!.ns as unknown[]).length);
});

test('html report: self-contained; the content security policy allows only the inline script, by its hash', () => {
  const page = pageOf(evilConnection());
  const { rest } = parts(page);
  const hash = createHash('sha256').update(PAGE_SCRIPT).digest('base64');
  assert.ok(rest.includes(`script-src 'sha256-${hash}'`));
  assert.ok(rest.includes(`<script>${PAGE_SCRIPT}</script>`));
  assert.match(rest, /default-src 'none'/);
  // No reference to anything outside the page (the SVG namespace is a name, not a fetch).
  const refs = rest.replace('http://www.w3.org/2000/svg', '').match(/\b(src|href)=|https?:\/\/|@import|url\((?!#)/g);
  assert.is(refs, null, String(refs));
  // The page script builds elements from text only.
  assert.not.match(PAGE_SCRIPT, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
});

test('html report: a capture and its saved NDJSON give the same connections, ladders and chains', async () => {
  const pcap = join(FIXTURES, 'mtls12-wrongca.pcap');
  const fromCapture = await pageVia(() => Readable.from([readFileSync(pcap)]));
  const nd = spawnSync(process.execPath, [BIN, '--events', 'all', pcap], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 26 });
  const fromNdjson = await pageVia(() => Readable.from([Buffer.from(nd.stdout)]));
  const a = parts(fromCapture).data as Record<string, unknown>[];
  const b = parts(fromNdjson).data as Record<string, unknown>[];
  assert.is(a.length, 1);
  assert.equal(b, a);
  const table = a[0]!.ns as string[];
  const titles = (a[0]!.st as unknown[][]).map((s) => table[s[3] as number]);
  assert.equal(titles.slice(0, 7), [
    'ClientHello',
    'ServerHello',
    'Certificate',
    'ServerKeyExchange',
    'CertificateRequest',
    'ServerHelloDone',
    'Certificate',
  ]);
  assert.equal(Object.keys(a[0]!.ch as object).sort(), ['c2s', 's2c']);
  assert.is(Object.keys(a[0]!.nc as object).length, 3);
});

async function pageVia(open: () => Readable): Promise<string> {
  let page = '';
  const sink = { write: (s: string) => ((page += s), true) } as unknown as NodeJS.WritableStream;
  await htmlReport([{ name: 'x', open }], sink);
  return page;
}

test('cli report --html: writes the page, says how many connections on stderr; a missing FILE is one line and exit 2', () => {
  const out = join(tmp, 'r.html');
  const r = spawnSync(process.execPath, [BIN, 'report', '--html', out, join(FIXTURES, 'many-flows.pcap'), join(FIXTURES, 'mtls12-nocert.pcap')], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.is(r.stderr, `tlsdump: wrote ${out}: 21 connections\n`);
  assert.is(parts(readFileSync(out, 'utf8')).data.length, 21);
  const bad = spawnSync(process.execPath, [BIN, 'report', '--html'], { encoding: 'utf8', cwd: ROOT });
  assert.is(bad.status, 2);
  assert.is(bad.stderr, 'tlsdump: --html needs a FILE to write\n');
});

test.run();
