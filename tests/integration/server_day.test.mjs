// server_day.test.mjs — a full day at a branch against the real `fairq serve`,
// and every role check of the HTTP API.
//
// A day: tickets of every class (kiosk and staff), next, recall, start,
// complete, no-show, transfer, a manual call with a reason, pause, close and
// a customer's cancel; the replies' shapes; what staff see (class, reason)
// and what the ticket holder sees (no class); the log records the override.
// Roles: 401 without or with an unknown token, 403 for each role that may not
// do something, public endpoints open to all.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, api, issue, act, queue, auditEvents } from './lib/server.mjs';

let srv;

before(async () => {
  srv = await startServer({ limits: { kiosk_tickets_per_minute: 1000 } });
});

after(async () => {
  if (srv) {
    const { code } = await srv.stop();
    assert.equal(code, 0, `server exit status, log:\n${srv.log()}`);
    await srv.cleanup();
  }
});

const ISSUE_KEYS = ['estimated_wait_s', 'id', 'issued_at', 'number', 'service', 'status_url'];
const TICKET_KEYS = ['called_at', 'counter', 'estimated_wait_s', 'issued_at', 'number', 'service', 'status'];
const STAFF_TICKET_KEYS = ['called_at', 'class', 'counter', 'issued_at', 'number', 'reason', 'service', 'status', 'wait_s'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function isError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.json), ['error'], r.text);
  assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message'], r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  assert.ok(r.json.error.message.length > 0);
}

test('a full day: issue every class, call, recall, start, complete, no-show, transfer, manual call, pause, close, cancel', async () => {
  // Issue: staff may issue vip, the kiosk the classes it is allowed.
  const vip = await issue(srv, 'A', 'vip', null, 'staff');
  const prio = await issue(srv, 'A', 'priority', 'elderly', 'kiosk');
  const reg1 = await issue(srv, 'A', 'regular', null, 'kiosk');
  const reg2 = await issue(srv, 'B', null, null, 'kiosk'); // no class: the default (regular)
  const reg3 = await issue(srv, 'A', 'regular', null, 'staff');
  for (const r of [vip, prio, reg1, reg2, reg3]) {
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ISSUE_KEYS, 'no class in the issue reply');
    assert.match(r.json.id, /^[0-9a-f]{32}$/);
    assert.equal(r.json.status_url, `/t/${r.json.id}`);
    assert.match(r.json.issued_at, ISO);
    assert.ok(Number.isInteger(r.json.estimated_wait_s) && r.json.estimated_wait_s >= 0);
    assert.doesNotMatch(r.text, /vip|priority|regular|elderly/);
  }
  assert.deepEqual([vip, prio, reg1, reg3].map((r) => r.json.number), ['A001', 'A002', 'A003', 'A004']);
  assert.equal(reg2.json.number, 'B001');

  // The ticket holder's view, by capability only.
  const st = await api(srv, 'GET', `/api/v1/tickets/${prio.json.id}`);
  assert.equal(st.status, 200);
  assert.deepEqual(Object.keys(st.json).sort(), TICKET_KEYS);
  assert.equal(st.json.status, 'waiting');
  assert.equal(st.json.counter, null);
  assert.equal(st.json.called_at, null);
  assert.doesNotMatch(st.text, /priority|elderly/);
  const qr = await api(srv, 'GET', `/api/v1/tickets/${prio.json.id}/qr.svg`, { headers: { host: 'branch.example:8080' } });
  assert.equal(qr.status, 200);
  assert.match(qr.headers.get('content-type'), /^image\/svg\+xml/);
  assert.match(qr.text, /^<svg [^>]*viewBox="0 0 (\d+) \1"/);
  assert.match(qr.text, /<path fill="#000" d="M\d+ \d+h\d+v1h-\d+z/);

  // Staff see class and reason in the queue.
  let q = await queue(srv);
  assert.equal(q.waiting, 5);
  const byNumber = Object.fromEntries(q.tickets.map((t) => [t.number, t]));
  assert.equal(byNumber.A001.class, 'vip');
  assert.equal(byNumber.A002.class, 'priority');
  assert.equal(byNumber.A002.reason, 'elderly');
  assert.equal(byNumber.B001.class, 'regular');

  // Counter 1: closed until opened.
  let r = await act(srv, '1', 'next');
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'conflict');
  assert.match(r.json.error.message, /counter 1 is closed/);
  r = await act(srv, '1', 'open');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), ['counter']);
  assert.equal(r.json.counter.state, 'open');
  assert.deepEqual(r.json.counter.services, ['A', 'B']);

  r = await act(srv, '1', 'next');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json.ticket).sort(), STAFF_TICKET_KEYS);
  const first = r.json.ticket;
  assert.equal(first.status, 'called');
  assert.equal(first.counter, '1');
  assert.ok(['vip', 'priority', 'regular'].includes(first.class));

  r = await act(srv, '1', 'recall');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.counter.ticket, first.number);
  assert.equal(r.json.counter.ticket_status, 'called');
  r = await act(srv, '1', 'start');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.counter.ticket_status, 'serving');
  r = await act(srv, '1', 'recall'); // a serving ticket is not recalled
  assert.equal(r.status, 409, r.text);
  r = await act(srv, '1', 'complete');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.counter.ticket, null);

  // Next, then a no-show.
  r = await act(srv, '1', 'next');
  const second = r.json.ticket;
  assert.notEqual(second.number, first.number);
  r = await act(srv, '1', 'no-show');
  assert.equal(r.status, 200, r.text);
  q = await queue(srv);
  assert.ok(!q.tickets.some((t) => t.number === second.number), 'a no-show leaves the queue');

  // Counter 2: a manual call needs a reason and is logged as an override.
  await act(srv, '2', 'open');
  r = await act(srv, '2', 'call', { number: 'A004' });
  assert.equal(r.status, 400, 'a manual call without a reason is refused');
  r = await act(srv, '2', 'call', { number: 'A004', reason: '' });
  assert.equal(r.status, 400);
  r = await act(srv, '2', 'call', { number: 'A999', reason: 'asked for' });
  assert.equal(r.status, 404, r.text);
  const waitingNow = (await queue(srv)).tickets.filter((t) => t.status === 'waiting').map((t) => t.number);
  const target = waitingNow[waitingNow.length - 1];
  r = await act(srv, '2', 'call', { number: target, reason: 'customer in a wheelchair at the door' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.counter.ticket, target);
  const events = await auditEvents(srv);
  const override = events.find((e) => e.event.type === 'called' && e.event.manual);
  assert.ok(override, 'the manual call is in the log');
  assert.match(JSON.stringify(override.event), /customer in a wheelchair at the door/);

  // Transfer a serving ticket to service B: it waits again.
  r = await act(srv, '2', 'start');
  assert.equal(r.status, 200, r.text);
  r = await act(srv, '2', 'transfer', { service: 'Z' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'unknown_service');
  r = await act(srv, '2', 'transfer', { service: 'B' });
  assert.equal(r.status, 200, r.text);
  q = await queue(srv);
  const moved = q.tickets.find((t) => t.number === target);
  assert.equal(moved.status, 'waiting');
  assert.equal(moved.service, 'B');

  // Pause: no calls while paused; then close.
  r = await act(srv, '2', 'pause');
  assert.equal(r.json.counter.state, 'paused');
  r = await act(srv, '2', 'next');
  assert.equal(r.status, 409);
  assert.match(r.json.error.message, /counter 2 is paused/);
  r = await act(srv, '2', 'close');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.counter.state, 'closed');
  r = await act(srv, '9', 'open');
  assert.equal(r.status, 404);
  r = await act(srv, '1', 'dance');
  assert.equal(r.status, 404);

  // A customer cancels a waiting ticket; a second cancel is a conflict.
  const waiting = (await queue(srv)).tickets.filter((t) => t.status === 'waiting');
  const mine = [vip, prio, reg1, reg2, reg3].find((x) => waiting.some((t) => t.number === x.json.number));
  r = await api(srv, 'DELETE', `/api/v1/tickets/${mine.json.id}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { status: 'cancelled' });
  r = await api(srv, 'DELETE', `/api/v1/tickets/${mine.json.id}`);
  isError(r, 409, 'conflict');
  r = await api(srv, 'GET', `/api/v1/tickets/${mine.json.id}`);
  assert.equal(r.json.status, 'cancelled');

  // The first ticket's holder sees it done; a called one shows its counter.
  const firstIssued = [vip, prio, reg1, reg2, reg3].find((x) => x.json.number === first.number);
  r = await api(srv, 'GET', `/api/v1/tickets/${firstIssued.json.id}`);
  assert.equal(r.json.status, 'done');
  assert.match(r.json.called_at, ISO);

  // Counter 1 keeps working to the end of the queue.
  let calls = 0;
  for (;;) {
    r = await act(srv, '1', 'next');
    assert.equal(r.status, 200, r.text);
    if (!r.json.ticket) break;
    calls++;
  }
  assert.equal(r.json.ticket, null);
  assert.ok(calls >= 1);
  q = await queue(srv);
  assert.equal(q.waiting, 0);
  assert.equal(q.tickets.filter((t) => t.status === 'waiting').length, 0);
  // `next` completed the last ticket before finding nothing: nothing to complete now.
  r = await act(srv, '1', 'complete');
  isError(r, 409, 'conflict');
  assert.match(r.json.error.message, /counter 1 has no called or serving ticket/);
  r = await act(srv, '1', 'close');
  assert.equal(r.status, 200, r.text);

  const h = await api(srv, 'GET', '/healthz');
  assert.deepEqual(h.json, { status: 'ok' });
});

test('roles: 401 without or with an unknown token, 403 for a role that may not', async () => {
  const { kiosk, staff, auditor } = srv.tokens;
  const bogus = '0123456789abcdef0123456789abcdef';
  const cases = [
    ['POST', '/api/v1/tickets', { service: 'A', class: 'regular' }, { none: 401, bogus: 401, kiosk: 201, staff: 201, auditor: 403 }],
    ['POST', '/api/v1/tickets', { service: 'A', class: 'vip' }, { kiosk: 403, staff: 201 }],
    ['POST', '/api/v1/counters/3/open', {}, { none: 401, bogus: 401, kiosk: 403, auditor: 403, staff: 200 }],
    ['GET', '/api/v1/queue', undefined, { none: 401, bogus: 401, kiosk: 403, auditor: 403, staff: 200 }],
    ['GET', '/api/v1/audit/events', undefined, { none: 401, bogus: 401, kiosk: 403, staff: 403, auditor: 200 }],
    ['GET', '/api/v1/audit/report', undefined, { none: 401, kiosk: 403, staff: 403, auditor: 200 }],
    ['GET', '/api/v1/info', undefined, { none: 200 }],
    ['GET', '/api/v1/display', undefined, { none: 200 }],
    ['GET', '/healthz', undefined, { none: 200 }],
    ['GET', '/metrics', undefined, { none: 200 }],
  ];
  const tokenOf = { none: undefined, bogus, kiosk, staff, auditor };
  for (const [method, p, body, expect] of cases) {
    for (const [who, status] of Object.entries(expect)) {
      const r = await api(srv, method, p, { token: tokenOf[who], body });
      assert.equal(r.status, status, `${method} ${p} as ${who}: ${r.text}`);
      if (status >= 400) isError(r, status);
      if (status === 401) assert.equal(r.json.error.code, 'unauthorized');
      if (status === 403) assert.equal(r.json.error.code, 'forbidden');
    }
  }
  // A token in the wrong scheme, or with extra characters, is unknown.
  let r = await api(srv, 'GET', '/api/v1/queue', { headers: { authorization: `Basic ${staff}` } });
  assert.equal(r.status, 401);
  r = await api(srv, 'GET', '/api/v1/queue', { headers: { authorization: `Bearer ${staff}x` } });
  assert.equal(r.status, 401);
  r = await api(srv, 'GET', '/api/v1/queue', { headers: { authorization: `Bearer ${staff.slice(0, 31)}` } });
  assert.equal(r.status, 401);
});

test('public info, display snapshot, metrics and security headers', async () => {
  const info = await api(srv, 'GET', '/api/v1/info');
  assert.deepEqual(Object.keys(info.json).sort(), ['branch', 'counters', 'display', 'kiosk_classes', 'services']);
  assert.deepEqual(Object.keys(info.json.branch).sort(), ['id', 'languages', 'name', 'timezone']);
  assert.deepEqual(info.json.kiosk_classes.map((c) => c.id), ['priority', 'regular'], 'vip is not offered at kiosks');
  assert.deepEqual(info.json.kiosk_classes[0].reasons, ['elderly', 'disabled', 'pregnant']);
  assert.equal(info.json.display.history, 6);
  for (const r of [info, await api(srv, 'GET', '/display/'), await api(srv, 'GET', '/nope')]) {
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.match(r.headers.get('content-security-policy'), /default-src 'self'; script-src 'self'.*frame-ancestors 'none'/);
  }
  const m = await api(srv, 'GET', '/metrics');
  assert.match(m.headers.get('content-type'), /^text\/plain/);
  for (const re of [/^fairq_tickets\{state="waiting"\} \d+$/m, /^fairq_tickets\{state="done"\} [1-9]\d*$/m,
    /^fairq_wait_seconds_count [1-9]\d*$/m, /^fairq_connections\{kind="display"\} 0$/m,
    /^fairq_connections\{kind="http"\} [1-9]\d*$/m, /^fairq_requests_total\{code="201"\} [1-9]\d*$/m,
    /^fairq_requests_total\{code="401"\} [1-9]\d*$/m, /^fairq_events_total [1-9]\d*$/m,
    /^fairq_commit_seconds_count [1-9]\d*$/m]) {
    assert.match(m.text, re);
  }
});

test('pages: each screen, the ticket page for any id, assets by name', async () => {
  for (const p of ['/', '/display/', '/counter/', '/kiosk/', '/audit/', '/t/0123456789abcdef0123456789abcdef']) {
    const r = await api(srv, 'GET', p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), /^text\/html/, p);
    assert.match(r.text, /<html/i, p);
  }
  const r = await api(srv, 'GET', '/display');
  assert.equal(r.status, 200, 'fetch follows the redirect to /display/');
  const fav = await api(srv, 'GET', '/favicon.svg');
  assert.equal(fav.status, 200);
  assert.match(fav.headers.get('content-type'), /^image\/svg\+xml/);
  const post = await api(srv, 'POST', '/display/', { body: {} });
  assert.equal(post.status, 405);
  assert.equal(post.json.error.code, 'method_not_allowed');
});
