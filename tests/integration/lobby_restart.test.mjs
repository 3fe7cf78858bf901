// lobby_restart.test.mjs — a lobby screen shows the same after a restart.
//
// The lobby's history (display.history calls, newest first) holds recent
// calls whether or not their tickets are still at a counter: a completed
// call stays until newer calls push it out; a no-show or a transfer clears
// it. The server rebuilds it after a restart from the day's events, so the
// display snapshot (GET /api/v1/display and the WebSocket's) is the same
// before and after a clean restart and after kill -9, and a screen that was
// connected all along holds the same calls as one that connects afterwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, api, issue, act, display } from './lib/server.mjs';

const snap = async (h) => {
  const r = await api(h, 'GET', '/api/v1/display');
  assert.equal(r.status, 200, r.text);
  const { seq, type, ...rest } = r.json; // seq counts messages of one process's stream
  return rest;
};

// The calls a screen shows after applying the messages it received.
function screen(messages) {
  let s;
  for (const m of messages) {
    if (m.type === 'snapshot') s = { day: m.day, calls: m.calls.map((c) => ({ ...c })), waiting: m.waiting };
    else if (m.type === 'call') {
      s.calls = s.calls.filter((c) => c.number !== m.number);
      s.calls.unshift({ number: m.number, counter: m.counter, at: m.at });
      s.calls = s.calls.slice(0, 6);
    } else if (m.type === 'clear') s.calls = s.calls.filter((c) => c.number !== m.number);
    else if (m.type === 'waiting') s.waiting = m.waiting;
    else if (m.type === 'day') s = { day: m.day, calls: [], waiting: s.waiting };
  }
  return s;
}

test('the lobby snapshot is the same after a restart and after kill -9: completed calls stay, cleared ones stay gone', async () => {
  const h = await startServer({ policy: 'fifo' });
  try {
    const live = await display(h);
    for (const c of ['1', '2']) assert.equal((await act(h, c, 'open')).status, 200);
    for (let i = 0; i < 12; i++) assert.equal((await issue(h, i % 3 ? 'A' : 'B', 'regular')).status, 201);
    const step = async (c, action, body) => {
      const r = await act(h, c, action, body);
      assert.equal(r.status, 200, `${action} at ${c}: ${r.text}`);
      return r.json;
    };
    // Completed calls (kept), a recall (moves to the top), a no-show and a
    // transfer (cleared), more calls than the history holds, then a clear
    // after older calls fell off (they must not come back).
    await step('1', 'next');
    await step('1', 'start');
    await step('2', 'next');
    await step('2', 'recall');
    await step('1', 'next'); // completes the first
    await step('2', 'no-show');
    await step('2', 'next');
    const cur = (await step('2', 'start')).counter.ticket;
    await step('2', 'transfer', { service: cur.startsWith('A') ? 'B' : 'A' });
    for (let i = 0; i < 4; i++) await step(i % 2 ? '2' : '1', 'next');
    await step('1', 'recall');
    await step('2', 'no-show');
    await step('2', 'next');
    await step('2', 'start');
    await step('2', 'complete');

    const before = await snap(h);
    assert.ok(before.calls.length >= 4, JSON.stringify(before));
    const counters = new Set(before.calls.map((c) => c.counter));
    assert.ok(counters.has('1') && counters.has('2'));
    await live.waitFor((m) => m.type === 'call' && m.number === before.calls[0].number, 5000, 'the last call');
    assert.deepEqual(screen(live.messages), before, 'the screen that watched everything agrees with the snapshot');
    await live.close();

    assert.equal((await h.stop()).code, 0, h.log());
    await h.start();
    assert.deepEqual(await snap(h), before, 'after a clean restart');
    const d = await display(h);
    const { seq, raw, type, ...ws } = d.messages[0];
    assert.deepEqual(ws, before, 'the WebSocket snapshot after a restart');
    await d.close();

    await h.kill();
    await h.start();
    assert.deepEqual(await snap(h), before, 'after kill -9');

    // and it goes on from there as if nothing happened
    await step('1', 'next');
    const after = await snap(h);
    assert.equal(after.calls.length, Math.min(6, before.calls.length + 1));
    assert.deepEqual(after.calls.slice(1), before.calls.slice(0, after.calls.length - 1));
  } catch (e) {
    await h.kill();
    e.message += `\n--- server log ---\n${h.log().slice(-2000)}`;
    throw e;
  }
  await h.cleanup();
});

// The server reads only the log's tail (4,096 events, then 4x longer ones)
// until the tail alone fills the history or reaches the day's start. Here
// 4,200 recalls of one ticket make the first tail show a single number, so
// it must look further back; then six fresh calls fill the history within
// the first tail.
test('the lobby history after a restart when the day is longer than the tail the server reads first', async () => {
  const h = await startServer({ policy: 'fifo', synchronous: 'off' });
  try {
    const step = async (c, action) => {
      const r = await act(h, c, action);
      assert.equal(r.status, 200, `${action} at ${c}: ${r.text}`);
    };
    await step('1', 'open');
    for (let i = 0; i < 14; i++) assert.equal((await issue(h, 'A', 'regular')).status, 201);
    for (let i = 0; i < 6; i++) await step('1', 'next');
    for (let i = 0; i < 4200; i++) await step('1', 'recall');
    const before = await snap(h);
    assert.equal(before.calls.length, 6, JSON.stringify(before));
    await h.kill();
    await h.start();
    assert.deepEqual(await snap(h), before, 'the history of six calls, 4,200 events back');

    for (let i = 0; i < 6; i++) await step('1', 'next');
    const before2 = await snap(h);
    assert.equal((await h.stop()).code, 0, h.log());
    await h.start();
    assert.deepEqual(await snap(h), before2, 'six fresh calls at the end of the log');
  } catch (e) {
    await h.kill();
    e.message += `\n--- server log ---\n${h.log().slice(-2000)}`;
    throw e;
  }
  await h.cleanup();
});
