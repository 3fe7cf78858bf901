// counter.test.mjs — the staff console (/counter/) against the real fairq server.
//
// The server runs with a 2 s starvation limit on every class, so a ticket
// goes overdue during the test. Checks: the token moves from the URL into
// storage; open, call next (keyboard N), recall (R), start (S) and transfer
// act on the server; a wrong-state action shows the server's error; a
// manual call needs a reason; an overdue ticket raises the alarm banner and
// is highlighted, and the banner goes once nothing is overdue; a rejected
// token is reported without a reconnect loop; only the server is contacted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startFairq, issue } from './lib/server.mjs';
import { launchBrowser, openPage, foreignOrigins } from './lib/browser.mjs';
import { queue, counterState, eventually, sleep } from './lib/queue.mjs';

let srv;
let browser;
let con; // the console page record

before(async () => {
  srv = await startFairq({ starvationLimit: 2 });
  browser = await launchBrowser();
  con = await openPage(browser, `${srv.url}/counter/?token=${srv.tokens.staff}`, { width: 1366, height: 768 });
  await con.page.waitForSelector('#console', { state: 'visible' });
  await con.page.selectOption('#counter-select', '1');
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const page = () => con.page;

async function ticketInQueue(number) {
  return (await queue(srv)).tickets.find((t) => t.number === number);
}

test('the staff token leaves the address bar and is remembered', async () => {
  assert.ok(!page().url().includes('token='), page().url());
  const stored = await page().evaluate(() => window.localStorage.getItem('fairq.staffToken'));
  assert.equal(stored, srv.tokens.staff);
  await page().waitForSelector('#live', { state: 'visible' });
  // Shortcut keys are shown on their buttons.
  assert.equal((await page().textContent('#act-next kbd')).trim(), 'N');
  assert.equal((await page().textContent('#act-no-show kbd')).trim(), 'X');
});

test('open, then N calls the next ticket; R recalls it; S starts it; transfer sends it to another service', async () => {
  await page().click('#act-open');
  await eventually(async () => (await counterState(srv, '1')).state === 'open', 3000, 'counter 1 open');
  await page().waitForSelector('#state-badge.is-open');

  const tk = await issue(srv, 'A', 'regular', null, 'kiosk');
  await page().waitForSelector(`#queue-body tr[data-number="${tk.number}"]`, { timeout: 5000 });
  await page().locator('body').press('n');
  await page().waitForFunction((n) => document.getElementById('current-number').textContent === n, tk.number, { timeout: 3000 });
  let q = await ticketInQueue(tk.number);
  assert.equal(q.status, 'called');
  assert.equal(q.counter, '1');

  await page().locator('body').press('r');
  await eventually(async () => (await ticketInQueue(tk.number)).recalls === 1, 3000, 'recall counted');

  await page().locator('body').press('s');
  await eventually(async () => (await counterState(srv, '1')).ticket_status === 'serving', 3000, 'serving');

  await page().selectOption('#transfer-service', 'B');
  await page().click('#act-transfer');
  q = await eventually(async () => {
    const t = await ticketInQueue(tk.number);
    return t && t.service === 'B' && t.status === 'waiting' ? t : null;
  }, 3000, 'transferred to B');
  // The console's table follows: the row now says the other service.
  await page().waitForFunction(
    (n) => {
      const row = document.querySelector(`#queue-body tr[data-number="${n}"]`);
      return !!row && row.cells[1].textContent === 'Accounts';
    },
    tk.number,
    { timeout: 5000 }
  );
});

test('a wrong-state action shows the server\'s message', async () => {
  // Counter 1 holds no ticket now (it was transferred): complete is a 409.
  assert.equal((await counterState(srv, '1')).ticket_status || null, null);
  await page().locator('body').press('c');
  await page().waitForSelector('#message.is-error', { timeout: 3000 });
  const msg = (await page().textContent('#message')).trim();
  assert.ok(msg.length > 5, msg);
});

test('a manual call needs a reason, then calls exactly that ticket', async () => {
  const a = await issue(srv, 'A', 'regular', null, 'kiosk');
  const b = await issue(srv, 'A', 'priority', 'elderly', 'kiosk');
  await page().waitForSelector(`#manual-ticket option[value="${b.number}"]`, { state: 'attached', timeout: 5000 });
  await page().selectOption('#manual-ticket', b.number);
  await page().fill('#manual-reason', '');
  await page().click('#act-call');
  await page().waitForSelector('#message.is-error');
  assert.equal((await ticketInQueue(b.number)).status, 'waiting', 'no call without a reason');
  assert.ok((await page().textContent('#manual-warn')).length > 10, 'personal-data warning is shown');

  await page().fill('#manual-reason', 'customer came back after stepping out');
  await page().click('#act-call');
  await page().waitForFunction((n) => document.getElementById('current-number').textContent === n, b.number, { timeout: 3000 });
  assert.equal((await ticketInQueue(b.number)).status, 'called');
  assert.equal((await ticketInQueue(a.number)).status, 'waiting');
  // Staff see class and reason in the table.
  const row = await page().evaluate((n) => {
    const r = document.querySelector(`#queue-body tr[data-number="${n}"]`);
    return r ? [...r.cells].map((c) => c.textContent) : null;
  }, b.number);
  assert.ok(row, 'called ticket is listed');
  assert.ok(['Priority', '优先'].includes(row[2]), row.join('|'));
  assert.ok(['Older customer', '老年人'].includes(row[3]), row.join('|'));
});

test('an overdue ticket raises the starvation alarm and is highlighted; the alarm clears when none is overdue', async () => {
  await sleep(2500); // past the 2 s limit for everything still waiting
  await page().waitForSelector('#alarm', { state: 'visible', timeout: 15000 });
  const text = await page().textContent('#alarm');
  const waiting = (await queue(srv)).tickets.filter((t) => t.status === 'waiting').map((t) => t.number);
  assert.ok(waiting.some((n) => text.includes(n)), `alarm names a waiting ticket: ${text} / ${waiting}`);
  await page().waitForSelector('#queue-body tr.is-overdue', { timeout: 15000 });
  const bg = await page().$eval('#queue-body tr.is-overdue td', (td) => getComputedStyle(td).backgroundColor);
  assert.notEqual(bg, 'rgba(0, 0, 0, 0)', 'overdue row has a background');

  // Serve everything that waits: the alarm must go away.
  for (let i = 0; i < 10; i++) {
    const c = await counterState(srv, '1');
    if (c.ticket_status === 'called') await page().locator('body').press('s');
    if (c.ticket_status === 'called' || c.ticket_status === 'serving') {
      await eventually(async () => (await counterState(srv, '1')).ticket_status === 'serving', 3000, 'serving');
      await page().locator('body').press('c');
      await eventually(async () => !(await counterState(srv, '1')).ticket, 3000, 'completed');
    }
    if (!(await queue(srv)).tickets.some((t) => t.status === 'waiting')) break;
    await page().locator('body').press('n');
    await eventually(async () => (await counterState(srv, '1')).ticket_status === 'called', 3000, 'called');
  }
  assert.equal((await queue(srv)).tickets.filter((t) => t.status === 'waiting').length, 0);
  await page().waitForSelector('#alarm', { state: 'hidden', timeout: 15000 });
});

test('a rejected token is reported and not retried in a loop', async () => {
  const bad = await openPage(browser, `${srv.url}/counter/?token=not-a-valid-token`, { width: 1366, height: 768 });
  await bad.page.waitForSelector('#token-rejected', { state: 'visible', timeout: 10000 });
  const sockets = bad.sockets.length;
  await sleep(4000);
  assert.ok(bad.sockets.length <= Math.max(1, sockets), `opened ${bad.sockets.length} sockets`);
  assert.equal(await bad.page.isVisible('#console'), false);
  await bad.context.close();
});

test('the console contacted only the fairq server and raised no script error', () => {
  assert.deepEqual(foreignOrigins(con, srv.url), []);
  assert.deepEqual(con.errors, []);
});

test('a console whose server does not answer at first says so, then comes up by itself', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  let refused = 0;
  // The page is served, but /api/v1/info fails twice, as when the server
  // restarts just after the browser loaded the page.
  await context.route('**/api/v1/info', (route) => (refused++ < 2 ? route.abort('connectionrefused') : route.continue()));
  const p = await context.newPage();
  await p.goto(`${srv.url}/counter/`);
  await p.waitForSelector('#boot-error', { state: 'visible', timeout: 10000 });
  assert.equal(await p.textContent('#boot-error'), 'Cannot reach the server. Please try again shortly.');
  await p.waitForSelector('#boot-error', { state: 'hidden', timeout: 30000 });
  assert.equal(refused, 3, 'asked again after each failure, then once more with success');
  await p.waitForSelector('#token-form', { state: 'visible', timeout: 10000 }); // a fresh browser: no token yet
  await context.close();
});
