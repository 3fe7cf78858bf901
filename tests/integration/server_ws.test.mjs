// server_ws.test.mjs — the WebSockets of the real `fairq serve`.
//
// /ws/display stays neutral: while tickets of every class and reason are
// issued and called, every message's keys come from SPEC 8's list, each type
// has exactly its keys, no text names a class or a reason, and seq grows by
// one. A reconnecting screen gets a fresh snapshot of the recent calls. A
// screen that stops reading does not hold up the others. /ws/staff: auth
// within 5 s or close 4401, snapshot then updates with class, and an alarm
// pushed as soon as a ticket goes overdue (starvation_limit 2 s here).
// Oversized client messages close the socket.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { startServer, api, issue, act, queue, display, staff, Client, seqsContiguous, sleep } from './lib/server.mjs';

const ALLOWED = new Set(['type', 'seq', 'day', 'at', 'number', 'counter', 'recall', 'calls', 'waiting', 'message']);
const SHAPES = {
  snapshot: ['calls', 'day', 'seq', 'type', 'waiting'],
  call: ['at', 'counter', 'number', 'recall', 'seq', 'type'],
  clear: ['number', 'seq', 'type'],
  waiting: ['seq', 'type', 'waiting'],
  day: ['day', 'seq', 'type'],
};
const STATUS_WORDS = /vip|priority|regular|elderly|disabled|pregnant|weight|class|reason|wait_s|overdue/i;

let srv;

before(async () => {
  srv = await startServer({ starvationLimit: 2, limits: { kiosk_tickets_per_minute: 10000 } });
});

after(async () => {
  if (srv) {
    const { code } = await srv.stop();
    assert.equal(code, 0, `server exit status, log:\n${srv.log()}`);
    await srv.cleanup();
  }
});

function assertNeutral(msg) {
  for (const k of Object.keys(msg)) {
    if (k === 'raw') continue;
    assert.ok(ALLOWED.has(k), `display message key '${k}' is not allowed: ${msg.raw}`);
  }
  assert.ok(SHAPES[msg.type], `unknown display message type: ${msg.raw}`);
  assert.deepEqual(Object.keys(msg).filter((k) => k !== 'raw').sort(), SHAPES[msg.type], msg.raw);
  assert.doesNotMatch(msg.raw, STATUS_WORDS, msg.raw);
  if (msg.type === 'snapshot') {
    for (const c of msg.calls) assert.deepEqual(Object.keys(c).sort(), ['at', 'counter', 'number'], msg.raw);
  }
}

test('the lobby stream stays neutral while every class is called', async () => {
  const d = await display(srv);
  const issued = [];
  for (const [klass, reason, svc] of [['vip', null, 'A'], ['priority', 'elderly', 'A'], ['priority', 'disabled', 'B'],
    ['priority', 'pregnant', 'A'], ['regular', null, 'B'], ['regular', null, 'A'], ['vip', null, 'B']]) {
    const r = await issue(srv, svc, klass, reason, klass === 'vip' ? 'staff' : 'kiosk');
    assert.equal(r.status, 201, r.text);
    issued.push(r.json);
  }
  for (const c of ['1', '2', '3']) assert.equal((await act(srv, c, 'open')).status, 200);
  const called = [];
  let r = await act(srv, '1', 'next');
  called.push(r.json.ticket.number);
  await act(srv, '1', 'recall');
  r = await act(srv, '2', 'next');
  called.push(r.json.ticket.number);
  await act(srv, '2', 'no-show');
  r = await act(srv, '3', 'next');
  called.push(r.json.ticket.number);
  await act(srv, '3', 'start');
  await act(srv, '3', 'transfer', { service: 'A' });
  const waiting = (await queue(srv)).tickets.filter((t) => t.status === 'waiting');
  r = await act(srv, '2', 'call', { number: waiting[0].number, reason: 'manual override for the test' });
  assert.equal(r.status, 200, r.text);
  called.push(waiting[0].number);
  while ((r = await act(srv, '1', 'next')).json.ticket) called.push(r.json.ticket.number);

  // Every call reaches the screen; the recall is marked; the no-show clears.
  for (const n of called) await d.waitFor((m) => m.type === 'call' && m.number === n, 5000, `call ${n}`);
  await d.waitFor((m) => m.type === 'call' && m.recall === true, 5000, 'recall');
  await d.waitFor((m) => m.type === 'clear', 5000, 'clear');
  await d.waitFor((m) => m.type === 'waiting' && m.waiting === 0, 5000, 'waiting 0');
  const callMsg = d.messages.find((m) => m.type === 'call');
  assert.match(callMsg.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(['1', '2', '3'].includes(callMsg.counter));
  for (const m of d.messages) assertNeutral(m);
  assert.ok(seqsContiguous(d.messages), `seq gaps: ${d.messages.map((m) => m.seq)}`);

  const snap = await api(srv, 'GET', '/api/v1/display');
  snap.json.raw = snap.text;
  assertNeutral(snap.json);

  // A reconnecting screen gets the recent calls, newest first.
  await d.close();
  const d2 = await display(srv);
  const s2 = d2.messages[0];
  assert.equal(s2.type, 'snapshot');
  assertNeutral(s2);
  assert.ok(s2.calls.length > 0 && s2.calls.length <= 6, s2.raw);
  const lastCall = d.messages.filter((m) => m.type === 'call').at(-1);
  assert.equal(s2.calls[0].number, lastCall.number);
  assert.equal(s2.waiting, 0);
  const times = s2.calls.map((c) => Date.parse(c.at));
  assert.deepEqual([...times].sort((a, b) => b - a), times, 'newest first');
  await d2.close();
  for (const c of ['1', '2', '3']) await act(srv, c, 'close');
});

test('a screen that never reads does not hold up the others', async () => {
  const slow = new Client(srv, '/ws/display', 'fairq.display.v1');
  await slow.opened;
  slow.ws._socket.pause(); // never read again
  const fast = [await display(srv), await display(srv), await display(srv)];
  await act(srv, '4', 'open');
  const t0 = Date.now();
  let last;
  for (let i = 0; i < 40; i++) {
    const t = await issue(srv, 'A', 'regular', null, 'kiosk');
    assert.equal(t.status, 201, t.text);
    last = (await act(srv, '4', 'next')).json.ticket.number;
  }
  for (const c of fast) await c.waitFor((m) => m.type === 'call' && m.number === last, 5000, `call ${last}`);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed < 20000, `40 issue+call round trips took ${elapsed} ms`);
  for (const c of fast) {
    assert.ok(seqsContiguous(c.messages));
    await c.close();
  }
  slow.ws.terminate();
  await act(srv, '4', 'complete');
  await act(srv, '4', 'close');
  const h = await api(srv, 'GET', '/healthz');
  assert.equal(h.status, 200);
});

test('staff socket: snapshot, then an update with the events and the queue after each change', async () => {
  const s = await staff(srv);
  const snap = s.messages[0];
  assert.deepEqual(Object.keys(snap).filter((k) => k !== 'raw').sort(), ['queue', 'seq', 'type']);
  assert.deepEqual(Object.keys(snap.queue).sort(), ['alarms', 'counters', 'day', 'now', 'policy', 'tickets', 'waiting']);
  const r = await issue(srv, 'B', 'priority', 'pregnant', 'kiosk');
  const up = await s.waitFor((m) => m.type === 'update' && m.events.some((e) => e.type === 'issued' && e.number === r.json.number));
  const ev = up.events.find((e) => e.type === 'issued');
  assert.equal(ev.class, 'priority', 'staff see the class');
  assert.equal(ev.reason, 'pregnant');
  assert.equal(ev.service, 'B');
  assert.match(ev.at, /Z$/);
  assert.ok(up.queue.tickets.some((t) => t.number === r.json.number && t.class === 'priority'));
  assert.ok(seqsContiguous(s.messages), s.messages.map((m) => m.seq).join(','));
  await api(srv, 'DELETE', `/api/v1/tickets/${r.json.id}`);
  await s.waitFor((m) => m.type === 'update' && m.events.some((e) => e.type === 'cancelled'));
  await s.close();
});

test('staff socket: an overdue ticket pushes an alarm at once, and its end too', async () => {
  const s = await staff(srv);
  const t = await issue(srv, 'A', 'regular', null, 'kiosk');
  const on = await s.waitFor((m) => m.type === 'alarm' && m.alarm.active === true, 8000, 'alarm on');
  assert.deepEqual(Object.keys(on.alarm).sort(), ['active', 'kind', 'since', 'ticket']);
  assert.equal(on.alarm.kind, 'starvation');
  assert.equal(on.alarm.ticket, t.json.number);
  const q = await queue(srv);
  assert.equal(q.alarms.length, 1);
  assert.equal(q.alarms[0].kind, 'starvation');
  assert.equal(q.alarms[0].ticket, t.json.number);
  assert.equal(q.tickets.find((x) => x.number === t.json.number).overdue, true);
  await act(srv, '1', 'open');
  const r = await act(srv, '1', 'next');
  assert.equal(r.json.ticket.number, t.json.number);
  const off = await s.waitFor((m) => m.type === 'alarm' && m.alarm.active === false, 5000, 'alarm off');
  assert.ok(off.seq > on.seq);
  assert.equal((await queue(srv)).alarms.length, 0);
  assert.ok(seqsContiguous(s.messages));
  await act(srv, '1', 'complete');
  await act(srv, '1', 'close');
  await s.close();
});

test('staff socket: a bad, a non-staff or a missing token closes with 4401', async () => {
  for (const first of [{ type: 'auth', token: 'not-a-token-at-all-000000' }, { type: 'auth', token: srv.tokens.kiosk },
    { type: 'hello' }, 'not json']) {
    const c = new Client(srv, '/ws/staff', 'fairq.staff.v1');
    await c.opened;
    c.send(first);
    const { code } = await c.closed;
    assert.equal(code, 4401, JSON.stringify(first));
    assert.equal(c.messages.length, 0, 'nothing is sent before auth');
  }
  const t0 = Date.now();
  const silent = new Client(srv, '/ws/staff', 'fairq.staff.v1');
  await silent.opened;
  const { code } = await silent.closed;
  assert.equal(code, 4401);
  const waited = Date.now() - t0;
  assert.ok(waited >= 4500 && waited < 9000, `closed after ${waited} ms`);
});

test('oversized client messages close the socket; wrong paths and subprotocols are refused', async () => {
  const d = await display(srv);
  d.send('x'.repeat(5000));
  assert.equal((await d.closed).code, 1009);
  const s = await staff(srv);
  s.send('y'.repeat(5000));
  assert.equal((await s.closed).code, 1009);
  const s2 = new Client(srv, '/ws/staff', 'fairq.staff.v1');
  await s2.opened;
  s2.send(JSON.stringify({ type: 'auth', token: 'z'.repeat(5000) }));
  assert.equal((await s2.closed).code, 1009);

  for (const [p, proto] of [['/ws/staff', 'fairq.display.v1'], ['/ws/display', 'fairq.staff.v1'], ['/ws/display', undefined], ['/ws/other', 'fairq.display.v1']]) {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${p}`, proto);
    const outcome = await new Promise((resolve) => {
      ws.on('open', () => { ws.terminate(); resolve('open'); });
      ws.on('unexpected-response', () => resolve('refused'));
      ws.on('error', () => resolve('refused'));
    });
    assert.equal(outcome, 'refused', `${p} with ${proto}`);
  }
  const h = await api(srv, 'GET', '/healthz');
  assert.equal(h.status, 200);
});
