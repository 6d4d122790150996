// The browser tests' set-up: the console's built files, Debian's Chromium, and where screenshots go.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONSOLE_SOURCE = path.join(ROOT, 'console');
const CONSOLE_BUILD = path.join(ROOT, 'dist', 'console', 'index.html');
const SCREENSHOTS = path.join(ROOT, 'test', 'browser', 'screenshots');
const DOCS = path.join(ROOT, 'docs');

/** Debian's `chromium` package; playwright-core downloads no browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

function newestChange(entry: string): number {
  const stats = statSync(entry);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(entry).map((name) => newestChange(path.join(entry, name))));
}

/**
 * Builds the console (`vite build console`, as `npm run build` does) when dist/console is missing or older than
 * its sources, so the server under test serves what the sources say.
 */
export async function buildConsoleIfStale(): Promise<void> {
  if (existsSync(CONSOLE_BUILD) && statSync(CONSOLE_BUILD).mtimeMs >= newestChange(CONSOLE_SOURCE)) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(CONSOLE_SOURCE, 'vite.config.ts'), logLevel: 'warn' });
}

/**
 * Saves a screenshot of the page under test/browser/screenshots (git-ignored). With CONSOLE_SCREENSHOTS_TO_DOCS=1
 * (`npm run docs:screenshots`) a copy named `docsName` goes to docs/ for the README.
 */
export async function saveScreenshot(page: Page, name: string, options: { fullPage?: boolean; docsName?: string } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  await page.screenshot({ path: file, fullPage: options.fullPage ?? false });
  if (options.docsName && process.env['CONSOLE_SCREENSHOTS_TO_DOCS'] === '1') copyFileSync(file, path.join(DOCS, options.docsName));
  return file;
}

/** Removes the failure screenshots of an earlier run (`failed-*.png`), so that those present belong to this one. */
export function clearFailureScreenshots(): void {
  if (!existsSync(SCREENSHOTS)) return;
  for (const name of readdirSync(SCREENSHOTS)) if (name.startsWith('failed-')) rmSync(path.join(SCREENSHOTS, name));
}
