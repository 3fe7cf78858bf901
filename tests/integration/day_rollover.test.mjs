// day_rollover.test.mjs — the business day ends by the server's own 1 s tick.
//
// There is no fake clock: the server runs with branch.timezone "Etc/UTC" and
// branch.day_starts set to the next whole minute (at least 15 s away, so the
// start-up is over first). Started before that minute, it begins the
// previous date's business day; some tickets are issued and one is called.
// When the minute comes, without any request:
//
// - the lobby stream gets `clear` for the called number and a `day` message
//   with the new date (keys from SPEC 8 only), seq without a gap; a screen
//   connecting afterwards gets an empty snapshot of the new day;
// - the staff stream gets an update with the `closed` events, the counter
//   closing and the `day` event, and a queue of the new day that is empty;
// - the log has a `closed` event for every open ticket, then the `day`;
//   the old tickets' ids answer 404 (a past day); the server log says the
//   day begins;
// - numbering restarts: the first ticket of the new day is A001 again;
// - a restart after the boundary stays in the new day (no second `day`).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, api, issue, act, queue, auditEvents, display, staff, seqsContiguous } from './lib/server.mjs';

const DISPLAY_KEYS = new Set(['type', 'seq', 'day', 'at', 'number', 'counter', 'recall', 'calls', 'waiting', 'message']);
const dateOf = (ms) => new Date(ms).toISOString().slice(0, 10);

// Client.waitFor, but its timer does not outlive the wait (a pending
// timer keeps the test process alive for its whole length).
function waitMsg(c, pred, timeoutMs, what) {
  const seen = c.messages.find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const w = { pred, resolve: (m) => { clearTimeout(timer); resolve(m); } };
    const timer = setTimeout(() => {
      c.waiters = c.waiters.filter((x) => x !== w);
      reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(c.messages.map((m) => m.raw))}`));
    }, timeoutMs);
    c.waiters.push(w);
  });
}

// The next whole minute (UTC) at least minAheadMs away.
function nextBoundary(minAheadMs) {
  let b = Math.ceil(Date.now() / 60000) * 60000;
  if (b - Date.now() < minAheadMs) b += 60000;
  return b;
}

test('the day rolls over by itself at branch.day_starts: day messages, tickets closed, numbering restarts', async () => {
  const boundary = nextBoundary(15000);
  const hhmm = new Date(boundary).toISOString().slice(11, 16);
  const before = dateOf(boundary - 24 * 3600 * 1000);
  const after = dateOf(boundary);
  const h = await startServer({
    edit: (cfg) => cfg
      .replace(/(\n\s*timezone\s*=\s*)"[^"]*"/, '$1"Etc/UTC"')
      .replace(/(\n\s*day_starts\s*=\s*)"[^"]*"/, `$1"${hhmm}"`),
  });
  try {
    assert.ok(Date.now() < boundary - 2000, 'the server started well before the boundary');
    assert.match(h.log(), new RegExp(`business day ${before} begins`));
    const d = await display(h);
    const s = await staff(h);
    assert.equal(d.messages[0].day, before);
    assert.equal(s.messages[0].queue.day, before);

    assert.equal((await act(h, '1', 'open')).status, 200);
    const old = [];
    for (const [svc, klass] of [['A', 'regular'], ['A', 'priority'], ['B', 'regular'], ['A', 'vip']]) {
      const r = await issue(h, svc, klass);
      assert.equal(r.status, 201, r.text);
      old.push(r.json);
    }
    assert.deepEqual(old.map((t) => t.number).sort(), ['A001', 'A002', 'A003', 'B001']);
    const called = (await act(h, '1', 'next')).json.ticket;
    assert.ok(called, 'a ticket was called');
    await waitMsg(d, (m) => m.type === 'call' && m.number === called.number, 10000, 'the call');
    assert.ok(Date.now() < boundary, `the day ended before the test was ready (${hhmm} UTC)`);

    // The boundary: nothing but the tick.
    const wait = boundary - Date.now() + 20000;
    const dayMsg = await waitMsg(d, (m) => m.type === 'day', wait, 'the lobby day message');
    const tRoll = Date.now();
    assert.deepEqual(Object.keys(dayMsg).filter((k) => k !== 'raw').sort(), ['day', 'seq', 'type']);
    assert.equal(dayMsg.day, after);
    assert.ok(tRoll >= boundary - 1000, 'not before the boundary');
    const update = await waitMsg(s, (m) => m.type === 'update' && m.events.some((e) => e.type === 'day'), 10000, 'the staff day update');
    const types = update.events.map((e) => e.type);
    assert.equal(types.at(-1), 'day', types.join());
    assert.equal(update.events.at(-1).day, after);
    assert.equal(types.filter((t) => t === 'closed').length, old.length, 'every open ticket closed');
    assert.deepEqual(update.events.filter((e) => e.type === 'closed').map((e) => e.number).sort(), old.map((t) => t.number).sort());
    assert.ok(update.events.some((e) => e.type === 'counter' && e.counter === '1' && e.state === 'closed'), types.join());
    assert.equal(update.queue.day, after);
    assert.equal(update.queue.waiting, 0);
    assert.deepEqual(update.queue.tickets, []);

    // The lobby: the called number cleared, the new day, nothing waiting.
    await waitMsg(d, (m) => m.type === 'waiting' && m.waiting === 0 && m.seq > dayMsg.seq, 10000, 'waiting 0');
    const clear = d.messages.find((m) => m.type === 'clear' && m.number === called.number);
    assert.ok(clear && clear.seq < dayMsg.seq, 'the called number was cleared before the day message');
    assert.ok(seqsContiguous(d.messages), 'lobby seq without a gap');
    for (const m of d.messages) for (const k of Object.keys(m)) if (k !== 'raw') assert.ok(DISPLAY_KEYS.has(k), `key ${k} on the lobby`);
    const d2 = await display(h);
    assert.deepEqual({ ...d2.messages[0], raw: undefined, seq: undefined },
      { type: 'snapshot', day: after, calls: [], waiting: 0, raw: undefined, seq: undefined });
    await d2.close();

    // The log: closed events for every open ticket, then the day; the server log.
    const evs = (await auditEvents(h)).map((r) => r.event);
    const dayAt = evs.findLastIndex((e) => e.type === 'day');
    assert.equal(evs[dayAt].day, after);
    assert.equal(evs.filter((e) => e.type === 'day').length, 2, 'the first start and the rollover');
    const ticketsOf = new Map(evs.filter((e) => e.type === 'issued').map((e) => [e.ticket, e.number]));
    assert.deepEqual(evs.slice(0, dayAt).filter((e) => e.type === 'closed').map((e) => ticketsOf.get(e.ticket)).sort(),
      old.map((t) => t.number).sort());
    assert.match(h.log(), new RegExp(`business day ${after} begins`));
    for (const t of old) assert.equal((await api(h, 'GET', `/api/v1/tickets/${t.id}`)).status, 404, 'a past day\'s ticket');
    const metrics = (await api(h, 'GET', '/metrics')).text;
    assert.match(metrics, /fairq_tickets\{state="waiting"\} 0/);

    // Numbering restarts.
    const a = await issue(h, 'A', 'regular');
    const b = await issue(h, 'B', 'priority', 'elderly', 'kiosk');
    assert.equal(a.json.number, 'A001');
    assert.equal(b.json.number, 'B001');
    assert.equal((await api(h, 'GET', `/api/v1/tickets/${a.json.id}`)).json.status, 'waiting');
    await d.close();
    await s.close();

    // A restart stays in the new day.
    await h.restart();
    assert.doesNotMatch(h.log(), /business day .* begins/, 'no new day on restart');
    const q = await queue(h);
    assert.equal(q.day, after);
    assert.deepEqual(q.tickets.map((t) => t.number).sort(), ['A001', 'B001']);
    assert.equal((await issue(h, 'A', 'regular')).json.number, 'A002');
    console.log(`# boundary ${hhmm} UTC; day message ${tRoll - boundary} ms after it`);
  } catch (e) {
    await h.kill();
    e.message += `\n--- server log ---\n${h.log().slice(-2000)}`;
    throw e;
  }
  await h.cleanup();
});
