// browser.mjs — Debian's Chromium, driven by playwright-core, for the page tests.
//
// launchBrowser() starts /usr/bin/chromium headless with the flags the tests
// need (no sandbox in containers, autoplay allowed so the lobby's audio
// path runs, no background traffic of Chromium's own). openPage() opens a
// page and records, for every page, the origins it requested and the
// script errors it raised, so a test can assert "nothing but the fairq
// server was contacted" and "no script error".

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.FAIRQ_CHROMIUM || '/usr/bin/chromium';

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'
    ]
  });
}

// Opens `url` in a new context of its own (separate localStorage) with the
// given viewport. Returns {page, context, origins: Set, errors: []}.
export async function openPage(browser, url, viewport) {
  const context = await browser.newContext({ viewport: viewport || { width: 1280, height: 900 } });
  const page = await context.newPage();
  const rec = { page, context, origins: new Set(), errors: [], sockets: [] };
  page.on('request', (req) => {
    try {
      rec.origins.add(new URL(req.url()).origin);
    } catch (e) {
      rec.origins.add(req.url());
    }
  });
  page.on('websocket', (ws) => {
    rec.sockets.push(ws.url());
    try {
      rec.origins.add(new URL(ws.url()).origin.replace(/^ws/, 'http'));
    } catch (e) {
      rec.origins.add(ws.url());
    }
  });
  page.on('pageerror', (e) => rec.errors.push(String(e && e.message ? e.message : e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) rec.errors.push('console: ' + m.text());
  });
  await page.goto(url);
  return rec;
}

// Every origin a page contacted must be the server's own (data: URLs aside).
export function foreignOrigins(rec, serverUrl) {
  const own = new URL(serverUrl).origin;
  return [...rec.origins].filter((o) => o !== own && !o.startsWith('data:') && o !== 'null');
}
