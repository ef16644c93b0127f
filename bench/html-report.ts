// The HTML report at scale (the goal: 10,000 connections → one file under 20 MB that opens in headless
// Chromium in under 5 s with every connection listed). Generates a handshake-heavy capture with gen.ts, writes
// the page with `tlsdump report --html`, opens it in Chromium (puppeteer-core) and measures; nothing is kept.
//
// usage: node dist/bench/html-report.js [MEGABYTES=65] [--keep DIR]   (65 MB of short flows ≈ 10,150 connections)

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserMissing, launch } from '../test/support/browser.js';
import { generate } from './gen.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const keepAt = args.indexOf('--keep');
  const keep = keepAt >= 0 ? args[keepAt + 1] : undefined;
  const mb = Number(args.find((a, i) => !a.startsWith('--') && i !== keepAt + 1) ?? 65);
  const missing = browserMissing();
  if (missing) throw new Error(`cannot run: ${missing}`);
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'tlsdump-html-bench-'));
  mkdirSync(dir, { recursive: true });
  const pcap = join(dir, 'flows.pcap');
  const html = join(dir, 'report.html');
  let t = Date.now();
  // Short flows: 1–3 kB of application data each, so the capture is mostly handshakes.
  const frames = await generate(pcap, mb, 1, { min: 1000, max: 3000 });
  const genS = (Date.now() - t) / 1000;
  t = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tlsdump.js'), 'report', '--html', html, pcap], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const writeS = (Date.now() - t) / 1000;
  const connections = Number(/: (\d+) connections?/.exec(r.stderr)?.[1]);
  const bytes = statSync(html).size;

  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1600, height: 1000 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e instanceof Error ? e.message : String(e)));
    t = Date.now();
    await page.goto('file://' + html, { waitUntil: 'load', timeout: 120_000 });
    await page.waitForSelector('body[data-ready=yes]', { timeout: 120_000 });
    const openS = (Date.now() - t) / 1000;
    const listed = (await page.evaluate('window.tlsdumpReport.rows')) as number;
    const totals = (await page.$eval('#totals', (e: Element) => e.textContent)) as string;
    // Responsiveness: a filter keystroke, a sort, a scroll to the end, a connection's details.
    const step = async (what: string, fn: () => Promise<unknown>): Promise<string> => {
      const s = Date.now();
      await fn();
      return `${what} ${Date.now() - s} ms`;
    };
    const steps = [
      await step('filter "37"', async () => {
        await page.type('#filter', '37');
        await page.waitForFunction('document.getElementById("shown").textContent !== "' + listed + ' shown"');
      }),
      await step('clear filter', async () => {
        await page.$eval('#filter', (e) => {
          (e as HTMLInputElement).value = '';
          e.dispatchEvent(new Event('input'));
        });
      }),
      await step('sort by client', () => page.click('#thead span:nth-child(2)')),
      await step('sort by flow', () => page.click('#thead span:nth-child(1)')),
      await step('scroll to the end', async () => {
        await page.$eval('#viewport', (e: Element) => (e.scrollTop = e.scrollHeight));
        await page.waitForFunction(`[...document.querySelectorAll('.row')].some(r => r.dataset.flow === '${connections - 1}')`);
      }),
      await step('open the last connection', () => page.click(`.row[data-flow="${connections - 1}"]`)),
    ];
    await page.screenshot({ path: join(dir, 'report.png') });
    console.log(
      [
        `capture: ${mb} MB pcap, ${frames} frames, generated in ${genS.toFixed(1)} s`,
        `tlsdump report --html: ${connections} connections in ${writeS.toFixed(1)} s → ${(bytes / 1e6).toFixed(1)} MB (goal < 20 MB: ${bytes < 20e6 ? 'met' : 'NOT met'})`,
        `Chromium ${await browser.version()}: opened and listed in ${openS.toFixed(2)} s (goal < 5 s: ${openS < 5 ? 'met' : 'NOT met'}); page says "${totals}", ${listed} rows in its list${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`,
        `then: ${steps.join(', ')}`,
        keep ? `kept in ${dir}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  } finally {
    await browser.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`html-report bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
