// screenshots.mjs — capture the pages at their real sizes into docs/screenshots/.
//
// Not a test: run by hand after changing a page, look at the PNGs, commit them.
//
//   FAIRQ_BIN=build/<you>/fairq node tests/e2e/screenshots.mjs
//   FAIRQ_SHOTS=audit FAIRQ_BIN=... node tests/e2e/screenshots.mjs   (the audit page only)
//
// It starts the real server on a scratch config (the regular class's
// starvation limit cut to 8 s so the console shows an overdue ticket and its
// alarm), issues and calls a morning's worth of tickets through the API, and
// photographs each page in the language a branch would most likely use there.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

import { startFairq, issue, counter, SOURCE_DIR } from './lib/server.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { callNext, ensureOpen, finishCurrent, sleep } from './lib/queue.mjs';

const OUT = path.join(SOURCE_DIR, 'docs', 'screenshots');

async function shoot(browser, url, viewport, lang, file, prepare) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  await context.addInitScript((l) => window.localStorage.setItem('fairq.lang', l), lang);
  const page = await context.newPage();
  await page.goto(url);
  if (prepare) await prepare(page);
  await page.screenshot({ path: path.join(OUT, file) });
  console.log('wrote', path.join('docs', 'screenshots', file));
  return { page, context };
}

// The auditor's page. A month looks like a month only with a month of data:
// when make_year_db (built next to every fairq binary) is there, it writes a
// busy year (450,000 tickets in 2025, as scripts/bench's year but a little lighter) for a second server and the page shows
// March; otherwise it shows `srv`'s morning.
async function auditShots(browser, srv) {
  const maker = path.join(path.dirname(path.resolve(process.env.FAIRQ_BIN)), 'make_year_db');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairq-shots-'));
  let target = srv;
  let range = '';
  let own = null;
  try {
    if (fs.existsSync(maker)) {
      const db = path.join(dir, 'year.db');
      const r = spawnSync(maker, [db, '450000'], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
      if (r.status !== 0) throw new Error('make_year_db: ' + r.stderr);
      own = await startFairq({ extra: (cfg) => cfg.replace(/(\n\s*path\s*=\s*)"[^"]*"\s*;/, `$1"${db}";`) });
      target = own;
      range = '&from=2025-03-01&to=2025-03-31';
    }
    const ready = async (p) => {
      await p.waitForFunction(() => window.fairqAudit && window.fairqAudit.loads > 0, null, { timeout: 60000 });
    };
    const url = `${target.url}/audit/?token=${target.tokens.auditor}${range}`;
    const en = await shoot(browser, url, { width: 1280, height: 800 }, 'en', 'audit-page-1280x800.png', ready);
    await en.page.evaluate(() => document.getElementById('charts-title').scrollIntoView());
    await en.page.screenshot({ path: path.join(OUT, 'audit-page-charts-1280x800.png') });
    console.log('wrote docs/screenshots/audit-page-charts-1280x800.png');
    await en.context.close();
    const zh = await shoot(browser, url, { width: 1280, height: 800 }, 'zh-CN', 'audit-page-zh-CN-1280x800.png', ready);
    await zh.context.close();
  } finally {
    if (own) await own.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  if (process.env.FAIRQ_SHOTS === 'audit') {
    const browser = await launchBrowser();
    const srv = await startFairq({});
    try {
      await auditShots(browser, srv);
    } finally {
      await browser.close();
      await srv.stop();
    }
    return;
  }
  const srv = await startFairq({
    extra: (cfg) => cfg.replace(/(id = "regular";[^}]*?starvation_limit\s*=\s*)\d+/, '$18')
  });
  const browser = await launchBrowser();
  try {
    for (const c of ['1', '2', '3']) await ensureOpen(srv, c);

    // A morning: regular and priority tickets at the kiosk, one VIP by staff.
    const plan = [
      ['A', 'regular'], ['A', 'regular'], ['B', 'regular'], ['A', 'priority', 'elderly'],
      ['A', 'regular'], ['B', 'regular'], ['A', 'vip'], ['A', 'regular'], ['B', 'priority', 'pregnant'],
      ['A', 'regular'], ['A', 'regular'], ['B', 'regular'], ['A', 'regular'], ['A', 'priority', 'disabled'],
      ['B', 'regular'], ['A', 'regular']
    ];
    const issued = [];
    for (const [svc, klass, reason] of plan) {
      issued.push(await issue(srv, svc, klass, reason || null, klass === 'vip' ? 'staff' : 'kiosk'));
    }

    // The lobby screens, open while calls happen so the newest is highlighted.
    const lobbyL = await shoot(browser, srv.url + '/display/', { width: 1920, height: 1080 }, 'zh-CN', 'display-1920x1080.png', null);
    const lobbyP = await shoot(browser, srv.url + '/display/', { width: 1080, height: 1920 }, 'zh-CN', 'display-portrait-1080x1920.png', null);
    for (const c of ['1', '2', '3', '1', '2', '3', '1']) await callNext(srv, c);
    await counter(srv, '2', 'start');
    await sleep(2000);
    for (const l of [lobbyL, lobbyP]) {
      await l.page.waitForFunction(() => window.fairqDisplay && window.fairqDisplay.calls >= 7);
    }
    // Settled state: the flash of the newest call lasts about 10 s.
    await sleep(10500);
    await lobbyL.page.screenshot({ path: path.join(OUT, 'display-1920x1080.png') });
    await lobbyP.page.screenshot({ path: path.join(OUT, 'display-portrait-1080x1920.png') });
    console.log('rewrote the settled lobby screens');
    // One more call, photographed in the bright half of its first flash.
    const flashing = await callNext(srv, '2');
    await lobbyL.page.waitForFunction((n) => document.getElementById('hero-number').textContent === n, flashing.number);
    await lobbyL.page.screenshot({ path: path.join(OUT, 'display-1920x1080-flash.png') });
    console.log('wrote docs/screenshots/display-1920x1080-flash.png');

    // The staff console, after the regular limit (8 s) made someone overdue.
    await shoot(browser, `${srv.url}/counter/?token=${srv.tokens.staff}`, { width: 1366, height: 768 }, 'en', 'counter-1366x768.png', async (p) => {
      await p.waitForSelector('#console', { state: 'visible' });
      await p.selectOption('#counter-select', '1');
      await p.waitForSelector('#alarm', { state: 'visible', timeout: 20000 });
      await sleep(500);
    });

    // The kiosk: start screen, priority choice, a ticket.
    const kiosk = await shoot(browser, `${srv.url}/kiosk/?token=${srv.tokens.kiosk}`, { width: 1080, height: 1920 }, 'zh-CN', 'kiosk-start-1080x1920.png', async (p) => {
      await p.waitForSelector('.service-button');
    });
    await kiosk.page.click('#priority-open');
    await kiosk.page.screenshot({ path: path.join(OUT, 'kiosk-priority-1080x1920.png') });
    console.log('wrote docs/screenshots/kiosk-priority-1080x1920.png');
    await kiosk.page.click('#priority-back');
    await kiosk.page.locator('.service-button').first().click();
    await kiosk.page.waitForSelector('#screen-ticket', { state: 'visible' });
    await kiosk.page.waitForFunction(() => document.getElementById('ticket-qr').naturalWidth > 0);
    await kiosk.page.screenshot({ path: path.join(OUT, 'kiosk-ticket-1080x1920.png') });
    console.log('wrote docs/screenshots/kiosk-ticket-1080x1920.png');
    await shoot(browser, `${srv.url}/kiosk/?token=${srv.tokens.kiosk}`, { width: 1280, height: 1024 }, 'en', 'kiosk-start-1280x1024.png', async (p) => {
      await p.waitForSelector('.service-button');
    });

    // A ticket's page on a phone: waiting, then called.
    const waitingOne = issued[issued.length - 1];
    await shoot(browser, srv.url + waitingOne.status_url, { width: 390, height: 844 }, 'zh-CN', 'ticket-waiting-390x844.png', async (p) => {
      await p.waitForSelector('#card', { state: 'visible' });
    });
    await finishCurrent(srv, '3');
    await counter(srv, '3', 'call', { number: waitingOne.number, reason: 'screenshot' });
    await shoot(browser, srv.url + waitingOne.status_url, { width: 390, height: 844 }, 'en', 'ticket-called-390x844.png', async (p) => {
      await p.waitForSelector('#goto', { state: 'visible' });
    });

    await shoot(browser, srv.url + '/', { width: 1280, height: 800 }, 'en', 'home-1280x800.png', null);
    await auditShots(browser, srv);
  } finally {
    await browser.close();
    await srv.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
