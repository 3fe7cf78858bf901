// server_audit.test.mjs — GET /api/v1/audit/report on the real server: the
// figures of a small recorded day, the formats, and bad parameters.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, api, issue, act, sleep } from './lib/server.mjs';

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

const report = (q) => api(srv, 'GET', `/api/v1/audit/report${q}`, { token: srv.tokens.auditor });

test('the report counts what happened: two regular served, one vip served, one priority cancelled', async () => {
  const r1 = await issue(srv, 'A', 'regular');
  const r2 = await issue(srv, 'A', 'regular');
  const v = await issue(srv, 'A', 'vip');
  const p = await issue(srv, 'A', 'priority', 'pregnant');
  for (const r of [r1, r2, v, p]) assert.equal(r.status, 201, r.text);
  assert.equal((await api(srv, 'DELETE', `/api/v1/tickets/${p.json.id}`)).status, 200);
  assert.equal((await act(srv, '1', 'open')).status, 200);
  for (let i = 0; i < 3; i++) {
    await sleep(20);
    assert.equal((await act(srv, '1', 'next')).status, 200);
  }
  assert.equal((await act(srv, '1', 'complete')).status, 200);

  const r = await report('?format=json');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /json/);
  const byId = Object.fromEntries(r.json.classes.map((c) => [c.id, c]));
  assert.equal(byId.regular.served, 2);
  assert.equal(byId.vip.served, 1);
  assert.equal(byId.priority.served, 0);
  assert.equal(byId.priority.cancelled, 1);
  assert.ok(byId.regular.wait_max_s >= byId.regular.wait_p50_s);
  // The report is tied to the log: its head is the log's current head.
  const events = (await api(srv, 'GET', '/api/v1/audit/events?limit=10000', { token: srv.tokens.auditor }))
    .text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(r.json.head.events, events.length);
  assert.equal(r.json.head.hash, events.at(-1).hash);
  assert.equal(r.json.head.verify, 'ok');
});

test('html and csv come as downloads; text is plain', async () => {
  const h = await report('?format=html');
  assert.equal(h.status, 200);
  assert.match(h.headers.get('content-type'), /html/);
  assert.match(h.headers.get('content-disposition'), /attachment; filename="fairq-audit\.html"/);
  assert.match(h.text, /<svg/);
  assert.doesNotMatch(h.text, /<script/i);
  const c = await report('?format=csv');
  assert.equal(c.status, 200);
  assert.match(c.headers.get('content-disposition'), /fairq-audit\.csv/);
  assert.ok(c.text.split('\n').filter(Boolean).length >= 5, c.text); // header + 4 tickets
  const t = await report('?format=text');
  assert.equal(t.status, 200);
  assert.match(t.text, /regular/);
});

test('bad parameters are 400 with a JSON error; a range with no days is empty, not an error', async () => {
  for (const q of ['?format=pdf', '?from=2026-13-01', '?to=yesterday', '?from=2026-11-24&to=2026-11-23']) {
    const r = await report(q);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_value');
  }
  const r = await report('?from=2001-01-01&to=2001-01-02');
  assert.equal(r.status, 200, r.text);
  for (const c of r.json.classes) assert.equal(c.served, 0);
});
