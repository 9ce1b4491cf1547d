#!/usr/bin/env node
/** Renders extension/icons/icon.svg to the PNG sizes the stores ask for (run after editing the SVG). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const dir = join(import.meta.dirname, '../extension/icons');
const svg = await readFile(join(dir, 'icon.svg'), 'utf8');
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  pipe: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const page = await browser.newPage();
for (const size of [16, 32, 48, 96, 128]) {
  await page.setViewport({ width: size, height: size, deviceScaleFactor: 1 });
  await page.setContent(
    `<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`,
  );
  await page.screenshot({ path: join(dir, `icon-${size}.png`), omitBackground: true });
}
await browser.close();
console.log('icons written to extension/icons/');
