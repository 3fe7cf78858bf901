// kiosk.test.mjs — the kiosk (/kiosk/), a ticket's status page (/t/{id}), the
// landing and audit pages, against the real fairq server.
//
// Checks: the kiosk token leaves the address bar; a tap on a service issues
// a regular ticket and shows its number, estimate and QR code; the priority
// path sends the priority class with the chosen reason, and neither the
// screen nor the print layout shows it; a kiosk over its rate limit says so;
// the status page follows its ticket to "called" with the counter, and can
// cancel a waiting ticket; the language switch works and is remembered; no
// page contacts anything but the server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startFairq, api, issue, counter } from './lib/server.mjs';
import { launchBrowser, openPage, foreignOrigins } from './lib/browser.mjs';
import { queue, ensureOpen, eventually } from './lib/queue.mjs';

const RATE = 6; // kiosk_tickets_per_minute for this server
const CLASS_WORDS = /\b(vip|priority|regular|elderly|disabled|pregnant)\b|贵宾|优先|普通|老年|残障|孕妇|older customer|disability|pregnancy/i;

let srv;
let browser;
let kiosk;
const pages = []; // every page record, for the origin check

before(async () => {
  srv = await startFairq({
    extra: (cfg) => cfg.replace(/kiosk_tickets_per_minute\s*=\s*\d+/, `kiosk_tickets_per_minute = ${RATE}`)
  });
  browser = await launchBrowser();
  kiosk = await openPage(browser, `${srv.url}/kiosk/?token=${srv.tokens.kiosk}`, { width: 1080, height: 1920 });
  pages.push(kiosk);
  await kiosk.page.waitForSelector('.service-button');
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

// Taps a service and returns the POST reply the kiosk got.
async function tapService(index) {
  const [res] = await Promise.all([
    kiosk.page.waitForResponse((r) => r.url().endsWith('/api/v1/tickets') && r.request().method() === 'POST'),
    kiosk.page.locator('.service-button').nth(index).click()
  ]);
  return { status: res.status(), body: await res.json() };
}

async function findTicket(number) {
  return (await queue(srv)).tickets.find((t) => t.number === number);
}

test('the kiosk token leaves the address bar and is remembered', async () => {
  assert.ok(!kiosk.page.url().includes('token='), kiosk.page.url());
  assert.equal(await kiosk.page.evaluate(() => window.localStorage.getItem('fairq.kioskToken')), srv.tokens.kiosk);
  assert.equal(await kiosk.page.isVisible('#error'), false);
});

let regular; // the first ticket, followed on its status page below

test('a tap on a service issues a regular ticket and shows number, estimate and QR code', async () => {
  const r = await tapService(0);
  assert.equal(r.status, 201);
  regular = r.body;
  await kiosk.page.waitForSelector('#screen-ticket', { state: 'visible' });
  assert.equal((await kiosk.page.textContent('#ticket-number')).trim(), regular.number);
  assert.match(regular.number, /^A\d{3,}$/);
  assert.ok((await kiosk.page.textContent('#ticket-wait')).trim().length > 3);
  await kiosk.page.waitForFunction(() => {
    const img = document.getElementById('ticket-qr');
    return img.complete && img.naturalWidth > 0;
  });
  const t = await findTicket(regular.number);
  assert.equal(t.class, 'regular');
  assert.equal(t.reason ?? null, null);
  assert.match(await kiosk.page.textContent('#countdown'), /30/);
  await kiosk.page.click('#done');
  await kiosk.page.waitForSelector('#screen-start', { state: 'visible' });
});

test('priority service sends the class and reason, and the ticket does not show them', async () => {
  await kiosk.page.click('#priority-open');
  await kiosk.page.waitForSelector('#screen-priority', { state: 'visible' });
  const reasons = await kiosk.page.locator('.reason-button').count();
  assert.equal(reasons, 3);
  await kiosk.page.locator('.reason-button').nth(2).click(); // pregnant (config order)
  await kiosk.page.waitForSelector('#priority-banner', { state: 'visible' });
  const r = await tapService(1);
  assert.equal(r.status, 201);
  assert.match(r.body.number, /^B\d{3,}$/);
  assert.equal('class' in r.body, false, 'the reply carries no class');
  const t = await findTicket(r.body.number);
  assert.equal(t.class, 'priority');
  assert.equal(t.reason, 'pregnant');

  await kiosk.page.waitForSelector('#screen-ticket', { state: 'visible' });
  const card = await kiosk.page.$eval('#ticket-card', (el) => el.outerHTML + el.innerText);
  assert.doesNotMatch(card, CLASS_WORDS);
  await kiosk.page.emulateMedia({ media: 'print' });
  const printed = await kiosk.page.evaluate(() => document.body.innerText);
  assert.ok(printed.includes(r.body.number), 'the printed ticket has the number');
  assert.doesNotMatch(printed, CLASS_WORDS, 'the printed ticket shows no class or reason');
  assert.equal(await kiosk.page.isVisible('#print'), false, 'buttons are not printed');
  await kiosk.page.emulateMedia({ media: 'screen' });
  await kiosk.page.click('#done');
  await kiosk.page.waitForSelector('#screen-start', { state: 'visible' });
  assert.equal(await kiosk.page.isVisible('#priority-banner'), false, 'the next customer starts from a regular ticket');
});

test('the status page follows its ticket to "called" and shows the counter', async () => {
  await ensureOpen(srv, '3');
  const p = await openPage(browser, srv.url + regular.status_url, { width: 390, height: 844 });
  pages.push(p);
  await p.page.waitForSelector('#card', { state: 'visible' });
  assert.equal((await p.page.textContent('#number')).trim(), regular.number);
  const waitingWord = (await p.page.textContent('#status-word')).trim();
  assert.ok(['Waiting', '等候中'].includes(waitingWord), waitingWord);
  assert.equal(await p.page.isVisible('#cancel'), true);
  assert.equal(await p.page.isVisible('#goto'), false);

  await counter(srv, '3', 'call', { number: regular.number, reason: 'e2e status page test' });
  await p.page.waitForSelector('#goto', { state: 'visible', timeout: 6000 });
  const word = (await p.page.textContent('#status-word')).trim();
  assert.ok(['Called', '已叫号'].includes(word), word);
  assert.match(await p.page.textContent('#goto-counter'), /3/);
  assert.equal(await p.page.isVisible('#cancel'), false, 'no cancel once called');
  const text = await p.page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(text, CLASS_WORDS);
});

test('a waiting ticket can be cancelled from its page, after a confirmation', async () => {
  const tk = await issue(srv, 'A', 'regular', null, 'kiosk');
  const p = await openPage(browser, srv.url + tk.status_url, { width: 390, height: 844 });
  pages.push(p);
  await p.page.waitForSelector('#cancel', { state: 'visible' });
  await p.page.click('#cancel');
  await p.page.waitForSelector('#confirm', { state: 'visible' });
  await p.page.click('#confirm-no');
  assert.equal((await api(srv, 'GET', `/api/v1/tickets/${tk.id}`)).body.status, 'waiting', 'keeping it changes nothing');
  await p.page.click('#cancel');
  await p.page.click('#confirm-yes');
  await eventually(async () => (await api(srv, 'GET', `/api/v1/tickets/${tk.id}`)).body.status === 'cancelled', 5000, 'cancelled');
  await p.page.waitForFunction(() => ['Cancelled', '已取消'].includes(document.getElementById('status-word').textContent), null, { timeout: 5000 });
  assert.equal(await p.page.isVisible('#cancel'), false);
});

test('an unknown ticket id says so', async () => {
  const p = await openPage(browser, srv.url + '/t/00000000000000000000000000000000', { width: 390, height: 844 });
  pages.push(p);
  await p.page.waitForSelector('#error', { state: 'visible', timeout: 5000 });
  assert.equal(await p.page.isVisible('#card'), false);
});

test('a kiosk over its rate limit tells the customer to wait', async () => {
  // Use up this minute's allowance through the API with the same token.
  for (let i = 0; i < RATE + 1; i++) {
    const r = await api(srv, 'POST', '/api/v1/tickets', { service: 'A', class: 'regular' }, srv.tokens.kiosk);
    if (r.status === 429) break;
    assert.equal(r.status, 201, r.text);
  }
  const r = await tapService(0);
  assert.equal(r.status, 429);
  await kiosk.page.waitForSelector('#error', { state: 'visible' });
  const msg = await kiosk.page.textContent('#error');
  assert.ok(/wait a moment|稍候/.test(msg), msg);
  await kiosk.page.waitForSelector('#screen-start', { state: 'visible' });
});

test('the language switch changes the words and is remembered', async () => {
  await kiosk.page.getByRole('button', { name: 'English' }).click();
  assert.equal((await kiosk.page.textContent('#start-title')).trim(), 'Take a ticket');
  await kiosk.page.reload();
  await kiosk.page.waitForSelector('.service-button');
  assert.equal((await kiosk.page.textContent('#start-title')).trim(), 'Take a ticket');
  assert.equal(await kiosk.page.evaluate(() => document.documentElement.lang), 'en');
  await kiosk.page.getByRole('button', { name: '中文' }).click();
  assert.equal((await kiosk.page.textContent('#start-title')).trim(), '取号');
});

test('landing and audit pages link the others and explain honestly', async () => {
  const home = await openPage(browser, srv.url + '/', { width: 1280, height: 800 });
  pages.push(home);
  const links = await home.page.$$eval('a.home-card', (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, ['/display/', '/kiosk/', '/counter/', '/audit/']);
  const audit = await openPage(browser, srv.url + '/audit/', { width: 1280, height: 800 });
  pages.push(audit);
  const text = await audit.page.evaluate(() => document.body.innerText);
  assert.match(text, /fairq audit --db/);
  assert.match(text, /fairq verify --db/);
});

test('no page contacted anything but the fairq server, and none raised a script error', () => {
  for (const p of pages) {
    assert.deepEqual(foreignOrigins(p, srv.url), [], p.page.url());
    assert.deepEqual(p.errors, [], p.page.url());
  }
});
