// Headless Chromium for the browser tests: Debian's `chromium` (or $CHROMIUM), driven by puppeteer-core,
// which downloads no browser. Tests that need it skip, saying so, when neither the browser nor puppeteer-core is
// there. Screenshots go to test-artifacts/ (gitignored) for a person to look at.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './shared.js';

/** Where the tests leave their screenshots. */
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** The Chromium executable, or undefined when there is none. */
export function chromiumPath(): string | undefined {
  const env = process.env.CHROMIUM;
  if (env && existsSync(env)) return env;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/** Whether puppeteer-core is installed (a devDependency). */
export function havePuppeteer(): boolean {
  try {
    createRequire(import.meta.url).resolve('puppeteer-core');
    return true;
  } catch {
    return false;
  }
}

/** Why browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (!havePuppeteer()) return 'puppeteer-core is not installed (npm install)';
  if (!chromiumPath()) return 'Chromium is not installed (apt-get install chromium)';
  return undefined;
}

// puppeteer-core's own types (a devDependency, imported for types only: nothing is loaded until launch()).
import type { Browser } from 'puppeteer-core';
export type { Browser, Page } from 'puppeteer-core';

/** Launches headless Chromium with no network access beyond the pages the tests open from files. */
export async function launch(): Promise<Browser> {
  const puppeteer = (await import('puppeteer-core')).default;
  mkdirSync(ARTIFACTS, { recursive: true });
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--allow-file-access-from-files'],
  });
}
