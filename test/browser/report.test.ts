import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Event } from '../../lib/events.js';
import { HtmlReport, htmlReport } from '../../lib/report/html.js';
import { EVIL_ISSUER, EVIL_SUBJECT, evilCapture, evilConnection } from '../output/evil.js';
import { ARTIFACTS, browserMissing, launch, type Browser, type Page } from '../support/browser.js';
import { FIXTURES, skipping } from '../support/shared.js';

// `tlsdump report --html` opened in headless Chromium: what a person sees and can do. Screenshots go to
// test-artifacts/report-*.png.

const missing = browserMissing();
if (missing) skipping(`browser tests (HTML report): ${missing}`);
const test = suite<{ browser?: Browser; page?: Page; dialogs: number; errors: string[] }>('html report in Chromium', { dialogs: 0, errors: [] });
const it = missing ? test.skip : test;

const NAMES = ['many-flows', 'mtls12-nocert', 'mtls12-wrongca', 'mtls13-nocert', 'mtls13-wrongca'];
const REPORT = join(ARTIFACTS, 'report.html');

test.before(async (ctx) => {
  if (missing) return;
  const files = [...NAMES.map((n) => join(FIXTURES, `${n}.pcap`)), evilCapture()];
  const out = createWriteStream(REPORT);
  await htmlReport(
    files.map((f) => ({ name: basename(f), open: () => createReadStream(f) })),
    out,
    'tlsdump report: fixtures',
  );
  await new Promise<void>((resolve) => out.end(resolve));
  const browser = await launch();
  ctx.browser = browser;
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 950 });
  page.on('dialog', (d) => {
    ctx.dialogs++;
    // An event handler's promise goes nowhere: a failed dismiss() surfaces as an unhandled rejection.
    void d.dismiss();
  });
  page.on('pageerror', (e) => ctx.errors.push(e instanceof Error ? e.message : String(e)));
  await page.goto('file://' + REPORT, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready=yes]');
  ctx.page = page;
});

test.after(async (ctx) => {
  await ctx.browser?.close();
});

const text = (page: Page, sel: string): Promise<string> => page.$eval(sel, (e: Element) => e.textContent ?? '');
const rows = (page: Page): Promise<string[][]> =>
  page.$$eval('#rows .row', (rs: Element[]) => rs.map((r) => [...r.children].map((c) => c.textContent ?? '')));

async function setFilter(page: Page, q: string): Promise<void> {
  await page.$eval('#filter', (e) => ((e as HTMLInputElement).value = ''));
  if (q) await page.type('#filter', q);
  else await page.$eval('#filter', (e) => e.dispatchEvent(new Event('input')));
}

/** The ladder's arrows: label, first fact line, direction, whether drawn red. */
async function ladder(page: Page): Promise<{ title: string; facts: string[]; dir: string; red: boolean; note: boolean }[]> {
  return page.$$eval('#detail svg g.step', (gs: Element[]) =>
    gs.map((g) => {
      const texts = [...g.querySelectorAll('text')].map((t) => t.textContent ?? '');
      const line = g.querySelector('line');
      const x1 = Number(line?.getAttribute('x1'));
      const x2 = Number(line?.getAttribute('x2'));
      return {
        title: texts[0] ?? '',
        facts: texts.slice(1),
        dir: line ? (x1 < x2 ? 'c2s' : 's2c') : '',
        red: (line?.getAttribute('stroke') ?? g.querySelector('rect')?.getAttribute('stroke')) === '#c62828',
        note: !line,
      };
    }),
  );
}

it('lists every connection, in a table with endpoints, SNI, version, verdict and worst diagnosis', async (ctx) => {
  const page = ctx.page!;
  assert.equal(ctx.errors, []);
  assert.is(await text(page, '#totals'), '25 connections: 20 established, 5 not');
  assert.is(await page.evaluate('window.tlsdumpReport.rows'), 25);
  assert.is(await text(page, '#shown'), '25 shown');
  assert.equal(await page.$$eval('#thead span', (s: Element[]) => s.map((x) => x.textContent)), [
    'flow ▲',
    'client',
    'server',
    'SNI',
    'version',
    'verdict',
    'worst diagnosis',
  ]);
  const all = await rows(page);
  assert.is(all.length, 25, 'the view holds them all');
  assert.ok(
    all.some((r) => r[2] === '10.99.0.2:4442' && r[5] === 'NOT established' && r[6] === 'error client_cert_not_sent'),
    JSON.stringify(all),
  );
  await page.screenshot({ path: join(ARTIFACTS, 'report-table.png') });
});

it('the filter narrows the table as one types; the checkbox keeps the failed ones; a header click sorts', async (ctx) => {
  const page = ctx.page!;
  await setFilter(page, 'client_cert_not_sent');
  assert.is(await text(page, '#shown'), '1 shown');
  let r = await rows(page);
  assert.is(r.length, 1);
  assert.is(r[0]![2], '10.99.0.2:4442');
  await setFilter(page, '"tls 1.3" "not established"');
  r = await rows(page);
  assert.equal(r.map((x) => x[2]).sort(), ['10.99.0.2:4445', '10.99.0.2:4446']);
  await page.screenshot({ path: join(ARTIFACTS, 'report-filter.png') });
  await setFilter(page, '');
  await page.click('#failed');
  assert.is(await text(page, '#shown'), '5 shown');
  assert.ok((await rows(page)).every((x) => x[5] === 'NOT established'));
  await page.click('#failed');
  // Sort by worst diagnosis: errors first.
  await page.click('#thead span:nth-child(7)');
  r = await rows(page);
  assert.match(r[0]![6]!, /^error /);
  await page.click('#thead span:nth-child(1)');
});

it('a chosen connection shows its ladder: the CertificateRequest, the empty client Certificate, the alert and its sender', async (ctx) => {
  const page = ctx.page!;
  await setFilter(page, '4442');
  await page.click('#rows .row');
  const steps = await ladder(page);
  const req = steps.find((s) => s.title.startsWith('CertificateRequest (frame 8)'));
  assert.ok(req && req.dir === 's2c', JSON.stringify(steps));
  assert.ok(req!.facts.includes('CA CN=tlsdump Test Client CA,O=tlsdump test'));
  const cert = steps.find((s) => s.title.startsWith('Certificate (frame 10)'));
  assert.ok(cert && cert.dir === 'c2s');
  assert.equal(cert!.facts, ['EMPTY: no certificate sent']);
  const alert = steps.find((s) => s.title.startsWith('Alert fatal handshake_failure (frame 11)'));
  assert.ok(alert && alert.dir === 's2c' && alert.red, JSON.stringify(alert));
  const detail = await text(page, '#detail');
  assert.match(detail, /ERROR client_cert_not_sent: the server asked for a client certificate at frame 8/);
  assert.match(detail, /client certificate chain \(EMPTY: none sent\)/);
  assert.match(detail, /server certificate chain \(2 sent\)/);
  assert.match(detail, /✓ issued by the next certificate/);
  assert.match(detail, /✓ valid at the capture time/);
  await page.screenshot({ path: join(ARTIFACTS, 'report-mtls12-nocert.png') });
  // wrongca: the client's chain, and unknown_ca from the server.
  await setFilter(page, '4443 client_cert_not_accepted');
  const rs = await rows(page);
  assert.ok(rs.length >= 1);
  await page.click('#rows .row');
  const w = await ladder(page);
  const cc = w.find((s) => s.title.startsWith('Certificate (frame 10)'));
  assert.ok(cc && cc.dir === 'c2s');
  assert.ok(w.some((s) => s.title.startsWith('Alert fatal unknown_ca (frame 11)') && s.dir === 's2c' && s.red));
});

it('an evil certificate subject is shown as text: no element made from it, no script run', async (ctx) => {
  const page = ctx.page!;
  await setFilter(page, 'x1b');
  assert.is(await text(page, '#shown'), '1 shown');
  await page.click('#rows .row');
  const detail = await text(page, '#detail');
  const dn = (s: string) => s.replace(/([<>;])/g, '\\$1');
  assert.ok(detail.includes(`[0] CN=${dn(EVIL_SUBJECT)},O=tlsdump test`), detail);
  assert.ok(detail.includes(`issuer CN=${dn(EVIL_ISSUER)},O=tlsdump test`));
  const steps = await ladder(page);
  assert.ok(steps.some((s) => s.facts.some((f) => f.includes(`CN=${dn(EVIL_ISSUER)}`))));
  // The SNI's terminal controls are visible escapes; an RLO does not reverse the text.
  assert.ok(detail.includes('SNI \\x1b]0;\\x07\\x0a\\u{202e}\\x1bc'));
  const counts = await page.evaluate(
    `[document.querySelectorAll('script').length, document.querySelectorAll('#detail img, #detail i, #detail iframe, #detail [onload], #detail [onerror], #detail svg svg').length, typeof window.__pwned]`,
  );
  assert.equal(counts, [2, 0, 'undefined']);
  assert.is(ctx.dialogs, 0);
  assert.equal(ctx.errors, []);
  await page.screenshot({ path: join(ARTIFACTS, 'report-evil.png') });
});

it('evil strings everywhere (SNI, names, CA names, diagnoses) across 10,000 connections: all listed, none runs', async (ctx) => {
  // Synthetic events (no decoding), so the page is big but quick to make.
  const file = join(ARTIFACTS, 'report-10k.html');
  let html = '';
  const r = new HtmlReport((s) => (html += s), 'tlsdump report: 10,000 evil connections');
  for (let flow = 0; flow < 10_000; flow++) for (const ev of evilConnection(flow) as Event[]) r.push(ev);
  r.end();
  writeFileSync(file, html);
  const page = await ctx.browser!.newPage();
  await page.setViewport({ width: 1500, height: 950 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e instanceof Error ? e.message : String(e)));
  await page.goto('file://' + file, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready=yes]');
  assert.is(await page.evaluate('window.tlsdumpReport.rows'), 10_000);
  assert.is(await text(page, '#shown'), '10000 shown');
  assert.ok((await rows(page)).length < 100, 'only the rows in view are drawn');
  await page.$eval('#viewport', (e: Element) => (e.scrollTop = e.scrollHeight));
  await page.waitForFunction(`[...document.querySelectorAll('#rows .row')].some(r => r.dataset.flow === '9999')`);
  await page.click('#rows .row[data-flow="9999"]');
  const detail = await text(page, '#detail');
  assert.ok(detail.includes('<script>window.__pwned = 1</script>'));
  assert.ok(detail.includes('%%{init: {"theme":"dark"}}%%'));
  assert.equal(await page.evaluate(`[document.querySelectorAll('script').length, typeof window.__pwned]`), [2, 'undefined']);
  assert.equal(errors, []);
  await page.screenshot({ path: join(ARTIFACTS, 'report-10k-evil.png') });
  await page.close();
});

test.run();
