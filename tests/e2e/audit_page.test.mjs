// audit_page.test.mjs — the auditor's report viewer (/audit/) in Chromium
// against the real server.
//
// A small business day is made through the API: tickets of every class, a
// no-show, a cancellation and a manual call whose reason contains markup.
// The page must show exactly the figures of the JSON report (fetched here
// directly with the auditor token), the chain verdict and head (also checked
// against the NDJSON event log), three charts with real marks and no NaN,
// working downloads, "no tickets" for an empty range, clear messages for a
// rejected token and an unreachable server, Chinese after the switch, and,
// once a row of the log has been altered with the sqlite3 shell, "log
// broken at event N". No script errors, no request to any other host.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

import { startFairq, api, issue, counter } from './lib/server.mjs';
import { launchBrowser, openPage, foreignOrigins } from './lib/browser.mjs';
import { sleep } from './lib/queue.mjs';

const haveSqlite = spawnSync('sqlite3', ['-version']).status === 0;
const REASON = 'customer came back with the <b>missing</b> form';
const VIEW = { width: 1280, height: 800 };

let srv;
let browser;
let day;

// Decimals the page shows per key (docs/pages.md); counts have none.
const DIGITS = {
  served: 0, no_show: 0, cancelled: 0, starvation_breaches: 0, overrides: 0,
  wait_mean_s: 1, wait_p50_s: 1, wait_p90_s: 1, wait_p95_s: 1, wait_max_s: 1,
  over_target_pct: 1, overtaken_mean: 2, estimate_error_mean_s: 1
};
const PER_SERVED = ['wait_mean_s', 'wait_p50_s', 'wait_p90_s', 'wait_p95_s', 'wait_max_s', 'over_target_pct', 'estimate_error_mean_s'];

function shown(key, value, served) {
  if (PER_SERVED.includes(key) && !(served > 0)) return '—';
  return new Intl.NumberFormat('en', { minimumFractionDigits: DIGITS[key], maximumFractionDigits: DIGITS[key] }).format(value);
}

async function report(query) {
  const r = await api(srv, 'GET', '/api/v1/audit/report?format=json' + (query || ''), undefined, srv.tokens.auditor);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function chainHead() {
  const res = await fetch(`${srv.url}/api/v1/audit/events?limit=10000`, { headers: { Authorization: 'Bearer ' + srv.tokens.auditor } });
  const rows = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { events: rows.length, hash: rows[rows.length - 1].hash };
}

// Every row of a stats table on the page: {class, cells: {key: {value, text}}}.
function readTable(page, selector) {
  return page.$$eval(selector + ' tbody tr', (trs) =>
    trs.map((tr) => {
      const cells = {};
      tr.querySelectorAll('td[data-key]').forEach((td) => {
        cells[td.dataset.key] = { value: td.dataset.value, text: td.textContent };
      });
      return { klass: tr.dataset.class, day: tr.dataset.day || null, cells };
    })
  );
}

function assertRows(rows, classes, what) {
  assert.deepEqual(rows.map((r) => r.klass), classes.map((c) => c.id), `${what}: one row per class, in order`);
  classes.forEach((c, i) => {
    for (const key of Object.keys(DIGITS)) {
      const cell = rows[i].cells[key];
      assert.ok(cell, `${what} ${c.id}: no ${key} cell`);
      assert.equal(Number(cell.value), c[key], `${what} ${c.id} ${key}: data-value`);
      assert.equal(cell.text, shown(key, c[key], c.served), `${what} ${c.id} ${key}: shown`);
    }
  });
}

async function waitLoads(page, n) {
  await page.waitForFunction((k) => window.fairqAudit && window.fairqAudit.loads >= k, n, { timeout: 20000 });
}

async function readDownload(page, buttonId) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), page.click('#' + buttonId)]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
}

before(async () => {
  srv = await startFairq({});
  browser = await launchBrowser();

  // A small day: every class, both services, two counters.
  const plan = [['A', 'vip', null], ['A', 'priority', 'elderly'], ['B', 'regular', null], ['A', 'regular', null],
    ['B', 'priority', 'pregnant'], ['A', 'regular', null], ['B', 'vip', null], ['A', 'regular', null], ['A', 'regular', null]];
  const tickets = [];
  for (const [svc, klass, reason] of plan) tickets.push(await issue(srv, svc, klass, reason, 'staff'));
  const cancelled = await api(srv, 'DELETE', `/api/v1/tickets/${tickets[5].id}`);
  assert.ok(cancelled.status >= 200 && cancelled.status < 300, cancelled.text);
  await counter(srv, '1', 'open');
  await counter(srv, '2', 'open');
  await sleep(300);
  await counter(srv, '1', 'next');
  await counter(srv, '1', 'no-show');
  await counter(srv, '2', 'call', { number: tickets[tickets.length - 1].number, reason: REASON });
  for (let i = 0; i < 5; i++) {
    await sleep(150);
    await counter(srv, i % 2 ? '1' : '2', 'next');
  }
  const snap = await api(srv, 'GET', '/api/v1/display');
  day = snap.body.day;
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('the page shows the JSON report: figures, intact chain, charts, manual calls, downloads, Chinese', async () => {
  const expected = await report(`&from=${day}&to=${day}`);
  const head = await chainHead();
  assert.equal(expected.head.hash, head.hash);

  const rec = await openPage(browser, `${srv.url}/audit/?token=${srv.tokens.auditor}`, VIEW);
  const { page } = rec;
  await page.click('button.lang-btn[lang="en"]');
  await waitLoads(page, 1);
  assert.ok(!page.url().includes(srv.tokens.auditor), 'the token left the address bar');
  assert.equal(await page.inputValue('#from'), day, 'default range: today');
  assert.equal(await page.inputValue('#to'), day);

  // The chain verdict and head, prominent.
  assert.equal(await page.textContent('#chain-status'), 'Log intact');
  assert.equal(await page.getAttribute('#chain', 'class'), 'chain is-ok');
  assert.equal(await page.textContent('#chain-hash'), head.hash);
  assert.equal(await page.getAttribute('#chain-events', 'data-value'), String(head.events));
  const statusSize = await page.$eval('#chain-status', (e) => parseFloat(getComputedStyle(e).fontSize));
  assert.ok(statusSize >= 22, `chain verdict is large (${statusSize}px)`);

  // Tables equal the report, cell by cell.
  assert.ok(expected.classes.every((c) => c.served + c.no_show + c.cancelled > 0), 'the day has every class');
  assertRows(await readTable(page, '#class-table'), expected.classes, 'per class');
  for (const s of expected.services) assertRows(await readTable(page, `table[data-group="service-${s.id}"]`), s.classes, `service ${s.id}`);
  const dayRows = await readTable(page, 'table[data-group="days"]');
  assert.deepEqual([...new Set(dayRows.map((r) => r.day))], expected.days.map((d) => d.day));
  assertRows(dayRows, expected.days.flatMap((d) => d.classes), 'per day');

  const total = (k) => expected.classes.reduce((a, c) => a + c[k], 0);
  const summary = await page.$$eval('#summary li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.key, li.querySelector('.summary-value').textContent])));
  assert.equal(summary.served, String(total('served')));
  assert.equal(summary.no_show, '1');
  assert.equal(summary.cancelled, '1');
  assert.equal(summary.overrides, '1');
  assert.equal(summary.jain_index, expected.fairness.jain_index.toFixed(4));

  // The manual call, its reason as text (the markup is not interpreted).
  assert.equal(expected.overrides.length, 1);
  const ov = await page.$$eval('#manual-table tbody tr', (trs) => trs.map((tr) => ({
    number: tr.dataset.number,
    reason: tr.querySelector('.reason').textContent,
    bold: tr.querySelectorAll('b').length
  })));
  assert.deepEqual(ov, [{ number: expected.overrides[0].number, reason: REASON, bold: 0 }]);

  // Charts: three SVGs of real size with drawn marks, no NaN anywhere.
  const charts = await page.$$eval('.chart svg', (svgs) => svgs.map((s) => {
    const box = s.getBoundingClientRect();
    const marks = [...s.querySelectorAll('rect, circle, polyline')].filter((m) => {
      const b = m.getBoundingClientRect();
      return b.width > 0 && b.height > 0;
    });
    return { width: box.width, height: box.height, marks: marks.length, labels: s.querySelectorAll('text').length, nan: /NaN|Infinity/.test(s.outerHTML) };
  }));
  assert.equal(charts.length, 3);
  for (const c of charts) {
    assert.ok(c.width > 250 && c.height > 150, `chart size ${c.width}x${c.height}`);
    assert.ok(c.marks >= 3, `chart has ${c.marks} marks`);
    assert.ok(c.labels > 3, 'chart has axis labels and a legend');
    assert.equal(c.nan, false, 'no NaN in a chart');
  }
  // Bar heights follow the figures: for each served class, max / mean.
  const bars = await page.$$eval('#chart-waits rect[data-key]', (rs) => rs.map((r) => ({ klass: r.dataset.class, key: r.dataset.key, h: Number(r.getAttribute('height')) })));
  for (const c of expected.classes.filter((x) => x.served > 0 && x.wait_mean_s > 0)) {
    const h = (k) => bars.find((b) => b.klass === c.id && b.key === k).h;
    assert.ok(Math.abs(h('wait_max_s') / h('wait_mean_s') - c.wait_max_s / c.wait_mean_s) < 0.02, `${c.id}: bar heights follow max/mean`);
  }
  const stacked = await page.$$eval('#chart-days rect[data-day]', (rs) => rs.map((r) => Number(r.getAttribute('height'))));
  assert.equal(stacked.length, expected.classes.filter((c) => c.served > 0).length, 'one stacked segment per served class');

  // Definitions are there and the headers link to them.
  const links = await page.$$eval('#class-table thead a', (as) => as.map((a) => a.getAttribute('href')));
  for (const href of new Set(links)) assert.equal(await page.locator(href).count(), 1, `definition ${href}`);

  // Downloads: the server's bytes for the same range.
  const json = await readDownload(page, 'dl-json');
  assert.equal(json.name, `fairq-audit-${day}-${day}.json`);
  const direct = await api(srv, 'GET', `/api/v1/audit/report?format=json&from=${day}&to=${day}`, undefined, srv.tokens.auditor);
  assert.equal(json.text, direct.text);
  const html = await readDownload(page, 'dl-html');
  assert.match(html.name, /\.html$/);
  assert.match(html.text, /^<!DOCTYPE html>/);
  assert.ok(html.text.includes(head.hash), 'the HTML report states the same head');
  const csv = await readDownload(page, 'dl-csv');
  assert.match(csv.text.split('\n')[0], /^day,number,service,class/);

  // Chinese: words change, figures do not.
  await page.click('button.lang-btn[lang="zh-CN"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await page.textContent('#chain-status'), '日志完整');
  assert.match(await page.title(), /审计报告/);
  const vip = await page.textContent('#class-table tr[data-class="vip"] .class-cell');
  assert.equal(vip, '贵宾');
  assert.match(await page.textContent('#chart-waits figcaption'), /各类别等候时间/);
  assertRows(await readTable(page, '#class-table'), expected.classes, 'per class (zh-CN)');

  assert.deepEqual(rec.errors, [], 'no script or console errors');
  assert.deepEqual(foreignOrigins(rec, srv.url), [], 'no request outside the server');
  await rec.context.close();
});

test('an empty range says "no tickets in this period"; a reversed range is refused', async () => {
  const rec = await openPage(browser, `${srv.url}/audit/?token=${srv.tokens.auditor}&from=2020-01-01&to=2020-01-31`, VIEW);
  const { page } = rec;
  await page.click('button.lang-btn[lang="en"]');
  await waitLoads(page, 1);
  assert.equal(await page.inputValue('#from'), '2020-01-01');
  assert.equal(await page.isVisible('#empty'), true);
  assert.equal(await page.textContent('#empty'), 'No tickets in this period.');
  assert.equal(await page.isVisible('#figures'), false);
  assert.equal(await page.evaluate(() => window.fairqAudit.outcome), 'empty');
  assert.equal(await page.textContent('#chain-status'), 'Log intact', 'the chain verdict is shown for any range');
  assert.equal(await page.locator('svg:visible').count(), 0, 'no chart is drawn for nothing');

  // "This month" brings the figures back.
  await page.click('#quick-month');
  await waitLoads(page, 2);
  assert.equal(await page.isVisible('#empty'), false);
  assert.equal(await page.inputValue('#to'), day);
  const month = await report(`&from=${day.slice(0, 8)}01&to=${day}`);
  assertRows(await readTable(page, '#class-table'), month.classes, 'this month');

  await page.fill('#from', '2026-12-31');
  await page.fill('#to', '2026-01-01');
  await page.click('#show');
  assert.equal(await page.textContent('#error'), 'The start date is after the end date.');
  assert.deepEqual(rec.errors, []);
  await rec.context.close();
});

test('a wrong token gets a clear message and is forgotten; the right one then works', async () => {
  const rec = await openPage(browser, `${srv.url}/audit/?token=not-a-real-token`, VIEW);
  const { page } = rec;
  await page.click('button.lang-btn[lang="en"]');
  await page.waitForSelector('#token-rejected', { state: 'visible', timeout: 20000 });
  assert.equal(await page.textContent('#token-rejected'), 'Token rejected (HTTP 401). Enter a valid auditor token.');
  assert.equal(await page.isVisible('#viewer'), false);
  assert.equal(await page.evaluate(() => window.localStorage.getItem('fairq.auditorToken')), null);

  // A valid token of the wrong role: 403, said just as clearly.
  await page.fill('#token-input', srv.tokens.staff);
  await page.click('#token-entry button[type="submit"]');
  await page.waitForFunction(() => /HTTP 403/.test(document.getElementById('token-rejected').textContent));
  assert.equal(await page.isVisible('#token-form'), true);

  await page.fill('#token-input', srv.tokens.auditor);
  await page.click('#token-entry button[type="submit"]');
  await waitLoads(page, 1);
  assert.equal(await page.textContent('#chain-status'), 'Log intact');
  assert.equal(await page.evaluate(() => window.localStorage.getItem('fairq.auditorToken')), srv.tokens.auditor);
  assert.deepEqual(rec.errors, []);
  await rec.context.close();
});

test('an unreachable server and an altered log are both said plainly', async () => {
  const rec = await openPage(browser, `${srv.url}/audit/?token=${srv.tokens.auditor}`, VIEW);
  const { page } = rec;
  await page.click('button.lang-btn[lang="en"]');
  await waitLoads(page, 1);

  await srv.kill();
  await page.click('#show');
  await page.waitForSelector('#error', { state: 'visible', timeout: 20000 });
  assert.equal(await page.textContent('#error'), 'Cannot reach the fairq server. Check the connection and try again.');
  assert.equal(await page.isVisible('#report'), false, 'no stale report under the error');
  await srv.restart();

  if (haveSqlite) {
    // Row 3's stored hash no longer matches its bytes.
    const db = path.join(srv.dir, 'fairq.db');
    const r = spawnSync('sqlite3', [db], { input: `PRAGMA busy_timeout = 5000; UPDATE events SET hash = '${'f'.repeat(64)}' WHERE seq = 3;\n`, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const broken = await report(`&from=${day}&to=${day}`);
    assert.equal(broken.head.verify, 'bad event 3');
    await page.click('#show');
    await page.waitForFunction(() => document.getElementById('chain').classList.contains('is-bad'), null, { timeout: 20000 });
    assert.equal(await page.textContent('#chain-status'), 'Log broken at event 3');
    assert.match(await page.textContent('#chain-detail'), /Event 3, or one before it, was altered/);
    await page.click('button.lang-btn[lang="zh-CN"]');
    assert.equal(await page.textContent('#chain-status'), '日志在第 3 条事件处损坏');
  }
  assert.deepEqual(rec.errors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(e)), []);
  assert.deepEqual(foreignOrigins(rec, srv.url), []);
  await rec.context.close();
});

test('a busy server (one report at a time) is waited for, said plainly, and asked again', async () => {
  const rec = await openPage(browser, `${srv.url}/audit/?token=${srv.tokens.auditor}`, VIEW);
  const { page } = rec;
  await page.click('button.lang-btn[lang="en"]');
  await waitLoads(page, 1);
  const verdict = await page.textContent('#chain-status'); // an earlier test altered the log
  // The next report request gets the server's documented busy answer (the
  // answer itself is the real server's, tested in integration/audit_busy);
  // the one after goes through to the server.
  let busied = 0;
  await page.route('**/api/v1/audit/report?**', async (route) => {
    if (busied++ > 0) return route.continue();
    return route.fulfill({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '5' },
      body: JSON.stringify({ error: { code: 'busy', message: 'another audit report is being computed; try again shortly' } }),
    });
  });
  await page.click('#show');
  await page.waitForFunction(() => /preparing another report/.test(document.getElementById('error').textContent), null, { timeout: 10000 });
  assert.equal(await page.isVisible('#error'), true);
  await waitLoads(page, 2);
  assert.equal(await page.isVisible('#error'), false, 'the notice goes once the report is there');
  assert.equal(await page.evaluate(() => window.fairqAudit.busyRetries), 1);
  assert.equal(await page.evaluate(() => window.fairqAudit.outcome), 'ok');
  assert.equal(await page.textContent('#chain-status'), verdict);
  assert.equal(busied, 2);
  assert.deepEqual(rec.errors, []);
  await rec.context.close();
});
