// audit_report.test.mjs — the auditor's HTML report, fetched from the real
// server and opened in Chromium as the self-contained file it is meant to be.
//
// Checks: it opens with no script error and no request to anything (not
// even the fairq server: it is one file); every chart is drawn (each SVG
// has marks with a real size); the page states the log's current chain head
// and the verify result; the definitions and the override's reason are
// there.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startFairq, api, issue, counter } from './lib/server.mjs';
import { launchBrowser, openPage } from './lib/browser.mjs';
import { sleep } from './lib/queue.mjs';

let srv;
let browser;
let dir;

before(async () => {
  srv = await startFairq({});
  browser = await launchBrowser();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fq-audit-e2e-'));
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the HTML report opens in Chromium, draws its charts and states the chain head', async () => {
  // A small day: every class, two counters, a no-show and a manual call.
  const classes = [['vip', null], ['priority', 'elderly'], ['regular', null], ['regular', null]];
  const tickets = [];
  for (let i = 0; i < 12; i++) {
    const [klass, reason] = classes[i % classes.length];
    tickets.push(await issue(srv, i % 3 ? 'A' : 'B', klass, reason, 'staff'));
  }
  await counter(srv, '1', 'open');
  await counter(srv, '2', 'open');
  await sleep(50);
  await counter(srv, '1', 'next');
  await counter(srv, '1', 'no-show');
  const last = tickets[tickets.length - 1].number;
  await counter(srv, '2', 'call', { number: last, reason: 'customer came back with the missing form' });
  for (let i = 0; i < 6; i++) {
    await sleep(20);
    await counter(srv, i % 2 ? '1' : '2', 'next');
  }

  const r = await api(srv, 'GET', '/api/v1/audit/report?format=html', undefined, srv.tokens.auditor);
  assert.equal(r.status, 200, r.text);
  const file = path.join(dir, 'fairq-audit.html');
  fs.writeFileSync(file, r.text);

  const events = await fetch(`${srv.url}/api/v1/audit/events?limit=10000`, {
    headers: { Authorization: 'Bearer ' + srv.tokens.auditor }
  }).then((res) => res.text());
  const rows = events.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const head = rows[rows.length - 1].hash;

  const rec = await openPage(browser, 'file://' + file, { width: 1280, height: 900 });
  const { page } = rec;
  const facts = await page.evaluate(() => {
    const svgs = [...document.querySelectorAll('svg')];
    return {
      text: document.body.innerText,
      scripts: document.querySelectorAll('script').length,
      charts: svgs.map((s) => {
        const box = s.getBoundingClientRect();
        const marks = [...s.querySelectorAll('rect, path, line, polyline, circle')].filter((m) => {
          const b = m.getBoundingClientRect();
          return b.width > 0 || b.height > 0;
        });
        return { width: box.width, height: box.height, marks: marks.length, labels: s.querySelectorAll('text').length };
      })
    };
  });
  assert.deepEqual(rec.errors, [], 'no script or console errors');
  // A file:// page's own origin is "null": anything else was fetched from somewhere.
  assert.deepEqual([...rec.origins].filter((o) => o !== 'null' && !/^(file|data):/.test(o)), [], 'the report fetches nothing');
  assert.equal(facts.scripts, 0);
  assert.ok(facts.charts.length >= 3, `charts: ${facts.charts.length}`);
  for (const c of facts.charts) {
    assert.ok(c.width > 100 && c.height > 50, `chart size ${c.width}x${c.height}`);
    assert.ok(c.marks > 3, `chart has ${c.marks} drawn marks`);
    assert.ok(c.labels > 0, 'chart has axis labels or a legend');
  }
  assert.ok(facts.text.includes(head), 'the report states the chain head of the log');
  assert.match(facts.text, /Definitions/);
  assert.match(facts.text, /customer came back with the missing form/);
  assert.match(facts.text, /\bok\b/, 'the verify result');

  await rec.context.close();
});
