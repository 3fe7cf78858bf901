// display.test.mjs — the lobby screen (/display/) against the real fairq server.
//
// Checks: a staff `next` reaches the screen within 1 s and is highlighted;
// announcements are queued (the second call's sentences start only after the
// first call's have ended, recalls are announced again); the screen comes
// back by itself after the server is killed and restarted on the same port
// and database; nothing on the page or in its WebSocket traffic names a
// class or a reason while tickets of every class are called; the page
// contacts nothing but the fairq server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startFairq, issue, counter, api } from './lib/server.mjs';
import { launchBrowser, openPage, foreignOrigins } from './lib/browser.mjs';
import { callNext, ensureOpen, finishCurrent, spelled, eventually, sleep } from './lib/queue.mjs';

const FORBIDDEN = /\b(vip|priority|regular|elderly|disabled|pregnant)\b|贵宾|优先|普通|老年|残障|孕妇|older customer|disability|pregnancy/i;

let srv;
let browser;
let lobby; // {page, origins, errors, ...}
const frames = []; // every WebSocket frame the lobby received

before(async () => {
  srv = await startFairq();
  browser = await launchBrowser();
  await ensureOpen(srv, '1');
  await ensureOpen(srv, '2');
  lobby = await openPage(browser, srv.url + '/display/', { width: 1920, height: 1080 });
  lobby.page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  await lobby.page.waitForFunction(() => window.fairqDisplay && window.fairqDisplay.snapshots >= 1 && window.fairqDisplay.connected);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

function heroNumber() {
  return lobby.page.textContent('#hero-number');
}

test('a staff next is on screen within 1 s, highlighted, with the counter name', async () => {
  const tk = await issue(srv, 'A', 'regular', null, 'kiosk');
  await finishCurrent(srv, '1');
  const t0 = Date.now();
  const called = (await counter(srv, '1', 'next')).ticket;
  assert.equal(called.number, tk.number);
  await lobby.page.waitForFunction((n) => document.getElementById('hero-number').textContent === n, tk.number, { timeout: 1000 });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed <= 1000, `shown after ${elapsed} ms`);
  console.log(`# call-to-screen: ${elapsed} ms from POST next to the number on screen`);
  const cls = await lobby.page.getAttribute('#hero', 'class');
  assert.match(cls, /\bflash\b/, 'newest call flashes');
  assert.match(cls, /\bis-new\b/);
  assert.equal((await lobby.page.textContent('#hero-counter')).trim(), '1');
  assert.equal(await lobby.page.isVisible('#hero-ticket'), true);
  // The hero is large enough to read across a hall.
  const box = await lobby.page.locator('#hero-number').boundingBox();
  assert.ok(box.height >= 200, `number is ${box.height}px tall`);
});

test('announcements are queued: chime, zh-CN, en; a second call waits; a recall is said again', async () => {
  // Let anything still being announced finish, then start from a clean index.
  await lobby.page.waitForFunction(() => window.fairqDisplay.announcements.every((a) => a.endedAt !== null), null, { timeout: 60000 });
  await sleep(1500); // a queued chime may still be playing
  const start = await lobby.page.evaluate(() => window.fairqDisplay.announcements.length);

  const a = await issue(srv, 'A', 'regular', null, 'kiosk');
  const b = await issue(srv, 'B', 'regular', null, 'kiosk');
  const first = await callNext(srv, '1');
  const second = await callNext(srv, '2');
  assert.deepEqual([first.number, second.number].sort(), [a.number, b.number].sort());
  const done = (n) =>
    lobby.page
      .waitForFunction(
        (k) => {
          const all = window.fairqDisplay.announcements;
          return all.length >= k && all.every((x) => x.endedAt !== null) ? all : null;
        },
        n,
        { timeout: 90000 }
      )
      .then((h) => h.jsonValue());
  await done(start + 4);
  // A recall once the call was said: it is said again. (A recall arriving
  // while the same call still waits in the queue is merged with it.)
  await counter(srv, '2', 'recall');
  const got = await done(start + 6);

  // No two sentences ever overlapped, across the whole page life.
  for (let i = 0; i < got.length; i++) {
    assert.ok(got[i].endedAt >= got[i].startedAt, `announcement ${i} ends after it starts`);
    if (i > 0) assert.ok(got[i].startedAt >= got[i - 1].endedAt, `announcement ${i} started before ${i - 1} ended: ${JSON.stringify(got.slice(i - 1, i + 1))}`);
  }
  const mine = got.slice(start);
  console.log(`# announcement outcomes: ${mine.map((x) => x.outcome + (x.error ? '/' + x.error : '') + ' ' + (x.endedAt - x.startedAt) + 'ms').join(', ')}`);
  const expected = [
    [first.number, '1'],
    [second.number, '2'],
    [second.number, '2'] // the recall
  ];
  assert.equal(mine.length, 6, JSON.stringify(mine));
  expected.forEach(([num, cname], i) => {
    const zh = mine[2 * i];
    const en = mine[2 * i + 1];
    assert.equal(zh.lang, 'zh-CN');
    assert.equal(en.lang, 'en');
    assert.equal(zh.text, `请 ${spelled(num, 'zh-CN')} 号到 ${cname} 号窗口`);
    assert.equal(en.text, `Ticket ${spelled(num, 'en')}, please go to counter ${cname}`);
  });
  // Each call's sentences are separated by its chime (about 1.3 s).
  assert.ok(mine[2].startedAt - mine[1].endedAt >= 1000, 'chime before the second call');
});

test('a voice that never reports its end cannot block the queue (time-out), and real durations do not overlap', async () => {
  // A stand-in for the TV's speech engine: English sentences "speak" for
  // 700 ms and then end; Chinese ones never end, as a broken voice might.
  const p = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await p.addInitScript(() => {
    const fake = {
      speaking: false, pending: false, paused: false, onvoiceschanged: null,
      getVoices: () => [],
      speak(u) {
        if (String(u.lang).startsWith('en')) setTimeout(() => u.onend && u.onend(new Event('end')), 700);
      },
      cancel() {}, pause() {}, resume() {},
      addEventListener() {}, removeEventListener() {}
    };
    Object.defineProperty(window, 'speechSynthesis', { value: fake, configurable: true });
  });
  const page = await p.newPage();
  await page.goto(srv.url + '/display/');
  await page.waitForFunction(() => window.fairqDisplay && window.fairqDisplay.snapshots >= 1 && window.fairqDisplay.connected);
  await issue(srv, 'A', 'regular', null, 'kiosk');
  await issue(srv, 'A', 'regular', null, 'kiosk');
  const one = await callNext(srv, '1');
  const two = await callNext(srv, '2');
  const got = await page
    .waitForFunction(() => {
      const all = window.fairqDisplay.announcements;
      return all.length >= 4 && all.every((x) => x.endedAt !== null) ? all : null;
    }, null, { timeout: 60000 })
    .then((h) => h.jsonValue());
  await p.close();
  assert.deepEqual(got.map((x) => x.outcome), ['timeout', 'ended', 'timeout', 'ended']);
  assert.ok(got[0].text.includes(spelled(one.number, 'zh-CN')) && got[2].text.includes(spelled(two.number, 'zh-CN')));
  for (let i = 0; i < got.length; i++) {
    const d = got[i].endedAt - got[i].startedAt;
    if (got[i].outcome === 'ended') assert.ok(d >= 650, `sentence ${i} lasted ${d} ms`);
    else assert.ok(d >= 2500 && d <= 12500, `time-out ${i} after ${d} ms`);
    if (i > 0) assert.ok(got[i].startedAt >= got[i - 1].endedAt, `sentence ${i} overlaps ${i - 1}`);
  }
});

test('no class or reason anywhere on the lobby page while every class is called', async () => {
  const issued = [];
  issued.push(await issue(srv, 'A', 'vip', null, 'staff'));
  for (const r of ['elderly', 'disabled', 'pregnant']) issued.push(await issue(srv, 'A', 'priority', r, 'kiosk'));
  issued.push(await issue(srv, 'B', 'regular', null, 'kiosk'));
  issued.push(await issue(srv, 'B', 'priority', 'elderly', 'staff'));
  const want = new Set(issued.map((x) => x.number));
  const seen = new Set();
  for (let i = 0; i < issued.length + 4 && seen.size < want.size; i++) {
    const t = await callNext(srv, i % 2 ? '2' : '1');
    if (!t) break;
    await lobby.page.waitForFunction((n) => document.getElementById('hero-number').textContent === n, t.number, { timeout: 2000 });
    seen.add(t.number);
    const html = await lobby.page.content(); // every element and attribute
    const text = await lobby.page.evaluate(() => document.body.innerText + ' ' + document.title);
    assert.doesNotMatch(html, FORBIDDEN, `page HTML names a class or reason while ${t.number} is shown`);
    assert.doesNotMatch(text, FORBIDDEN);
  }
  for (const n of want) assert.ok(seen.has(n), `${n} was called and shown`);
  const spoken = await lobby.page.evaluate(() => window.fairqDisplay.announcements.map((a) => a.text).join('\n'));
  assert.doesNotMatch(spoken, FORBIDDEN);
  assert.ok(frames.length > 0, 'frames were recorded');
  for (const f of frames) assert.doesNotMatch(f, FORBIDDEN, `display frame: ${f}`);
});

test('comes back after the server is killed and restarted, with the current state', async () => {
  const snapshotsBefore = await lobby.page.evaluate(() => window.fairqDisplay.snapshots);
  await srv.kill();
  await lobby.page.waitForSelector('#offline', { state: 'visible', timeout: 10000 });
  await srv.restart();
  // Change the state right away: the page learns it from the snapshot it
  // gets on reconnecting, or from the call if it reconnected first.
  await ensureOpen(srv, '1');
  await issue(srv, 'A', 'regular', null, 'kiosk');
  const t = await callNext(srv, '1');
  assert.ok(t, 'a ticket was called after the restart');
  await lobby.page.waitForFunction((n) => document.getElementById('hero-number').textContent === n, t.number, { timeout: 40000 });
  await lobby.page.waitForSelector('#offline', { state: 'hidden', timeout: 5000 });
  const after = await lobby.page.evaluate(() => window.fairqDisplay.snapshots);
  assert.ok(after > snapshotsBefore, 'a fresh snapshot arrived after reconnecting');
  const snap = (await api(srv, 'GET', '/api/v1/display')).body;
  await eventually(async () => (await lobby.page.textContent('#waiting')).trim() === String(snap.waiting), 5000, 'waiting count');
});

test('portrait layout fits 1080x1920 without scrolling', async () => {
  const p = await openPage(browser, srv.url + '/display/', { width: 1080, height: 1920 });
  await p.page.waitForFunction(() => window.fairqDisplay && window.fairqDisplay.snapshots >= 1);
  await p.page.waitForSelector('#hero-ticket', { state: 'visible' });
  const m = await p.page.evaluate(() => ({
    sw: document.documentElement.scrollWidth,
    sh: document.documentElement.scrollHeight,
    w: window.innerWidth,
    h: window.innerHeight,
    num: document.getElementById('hero-number').getBoundingClientRect().height
  }));
  assert.ok(m.sw <= m.w && m.sh <= m.h, `no scrolling: ${JSON.stringify(m)}`);
  assert.ok(m.num >= 200, `number is ${m.num}px tall`);
  assert.deepEqual(foreignOrigins(p, srv.url), []);
  await p.context.close();
});

test('the lobby contacted only the fairq server and raised no script error', () => {
  assert.deepEqual(foreignOrigins(lobby, srv.url), []);
  assert.deepEqual(lobby.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|net::/.test(e)), []);
});
