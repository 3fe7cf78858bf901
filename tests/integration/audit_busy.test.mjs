// audit_busy.test.mjs — GET /api/v1/audit/report runs beside the event loop,
// not on it: while a report over a large log is being computed, /healthz
// answers, a counter's `next` succeeds and a lobby screen gets its `call`,
// each in a small part of the report's own time; a second report meanwhile
// is refused with 429 busy; a client that hangs up mid-report and a SIGTERM
// mid-report leave the server healthy / exiting 0. The log is written by the
// bench tool make_year_db (the real engine and store), small enough to keep
// the test short.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { BIN, startServer, api, issue, act, display, sleep } from './lib/server.mjs';

const MAKE_YEAR_DB = process.env.FAIRQ_MAKE_YEAR_DB || path.join(path.dirname(BIN), 'make_year_db');
const TICKETS = 150000; // about 600,000 events: a report of a second or more in the ASan build

let srv;
let dir;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairq-auditbusy-'));
  fs.mkdirSync(path.join(dir, 'var'));
  const db = path.join(dir, 'var', 'fairq.db');
  const g = spawnSync(MAKE_YEAR_DB, [db, String(TICKETS)], { encoding: 'utf8' });
  assert.equal(g.status, 0, `${MAKE_YEAR_DB}: ${g.stderr}`);
  srv = await startServer({ dir });
});

after(async () => {
  if (srv) await srv.cleanup(); // insists on exit 0 when still running
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const REPORT = '/api/v1/audit/report';
const auditor = () => ({ token: srv.tokens.auditor });

// Starts a request and records when it was sent and when it ended.
function timed(fn) {
  const t0 = performance.now();
  return fn().then((r) => ({ r, t0, t1: performance.now() }));
}

// Waits until a report can start again (an orphaned one may still run).
async function reportWhenFree(q, timeoutMs = 120000) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const r = await api(srv, 'GET', REPORT + q, auditor());
    if (r.status !== 429 || performance.now() > end) return r;
    await sleep(200);
  }
}

test('the report over the log is what `fairq audit` prints for the same range', async () => {
  // No writes meanwhile (no ticket is waiting, the tick changes nothing):
  // the server and the command see the same log.
  const q = '?format=json&from=2025-01-01&to=2025-12-31';
  const r = await api(srv, 'GET', REPORT + q, auditor());
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /json/);
  const cli = spawnSync(BIN, ['audit', '--db', path.join(dir, 'var', 'fairq.db'), '--config', srv.cfgPath,
    '--from', '2025-01-01', '--to', '2025-12-31', '--format', 'json'],
  { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(r.text, cli.stdout);
  assert.equal(r.json.head.verify, 'ok');
  assert.ok(r.json.head.events > TICKETS, `${r.json.head.events} events`);
});

test('while a report runs the loop serves: healthz, next, the lobby call, and a second report is busy', async (tc) => {
  const screen = await display(srv);
  let callAt = null; // when the screen received the ticket's call
  screen.ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'call' && callAt === null) callAt = performance.now();
  });
  assert.equal((await act(srv, '1', 'open')).status, 200);
  const t = await issue(srv, 'A', 'regular');
  assert.equal(t.status, 201, t.text);

  // Two reports: the first to reach the server runs, the other is refused
  // (normally the first sent; on a loaded machine they may swap).
  const first = timed(() => api(srv, 'GET', `${REPORT}?format=json`, auditor()));
  await sleep(300);
  const [other, health, next] = await Promise.all([
    timed(() => api(srv, 'GET', `${REPORT}?format=json`, auditor())),
    timed(() => api(srv, 'GET', '/healthz')),
    timed(() => act(srv, '1', 'next')),
  ]);
  const msg = await screen.waitFor((m) => m.type === 'call' && m.number === t.json.number, 30000, 'the call');
  const call = { r: msg, t0: next.t0, t1: callAt }; // from the `next` that made it
  const firstDone = await first;
  const [ran, second] = firstDone.r.status === 429 ? [other, firstDone] : [firstDone, other];
  const { r: report, t0, t1 } = ran;
  const reportMs = t1 - t0;

  assert.equal(report.status, 200, report.text);
  assert.ok(report.json.head.events > TICKETS);
  assert.equal(second.r.status, 429, second.r.text);
  assert.equal(second.r.json.error.code, 'busy');
  assert.match(second.r.json.error.message, /audit report/);
  assert.match(second.r.headers.get('retry-after'), /^\d+$/);
  assert.equal(health.r.status, 200, health.r.text);
  assert.equal(health.r.json.status, 'ok');
  assert.equal(next.r.status, 200, next.r.text);
  assert.equal(next.r.json.ticket.number, t.json.number);
  assert.equal(call.r.counter, '1');
  tc.diagnostic(`report ${reportMs.toFixed(0)} ms; busy ${(second.t1 - second.t0).toFixed(0)} ms, ` +
    `healthz ${(health.t1 - health.t0).toFixed(0)} ms, next ${(next.t1 - next.t0).toFixed(0)} ms, ` +
    `call ${(call.t1 - call.t0).toFixed(0)} ms`);
  // Each answered while the report was still being computed, in a small
  // part of its time (on the loop they would all wait for it).
  for (const [what, x] of [['busy answer', second], ['healthz', health], ['next', next], ['call', call]]) {
    assert.ok(x.t1 < t1, `${what} ended after the report`);
    assert.ok(x.t1 - x.t0 < reportMs / 3, `${what}: ${(x.t1 - x.t0).toFixed(0)} ms, report ${reportMs.toFixed(0)} ms`);
  }
  assert.equal((await act(srv, '1', 'complete')).status, 200);
  await screen.close();
});

test('html and csv still come as downloads, with the same headers', async () => {
  const h = await reportWhenFree('?format=html&from=2025-12-31&to=2025-12-31');
  assert.equal(h.status, 200, h.text);
  assert.match(h.headers.get('content-type'), /html/);
  assert.match(h.headers.get('content-disposition'), /attachment; filename="fairq-audit\.html"/);
  const c = await reportWhenFree('?format=csv&from=2025-12-31&to=2025-12-31');
  assert.equal(c.status, 200, c.text);
  assert.match(c.headers.get('content-disposition'), /attachment; filename="fairq-audit\.csv"/);
  assert.ok(c.text.split('\n').filter(Boolean).length > 10);
});

test('a client that hangs up mid-report leaves the server healthy and free for the next report', async () => {
  const ac = new AbortController();
  const aborted = fetch(`${srv.url}${REPORT}?format=text`, {
    headers: { authorization: `Bearer ${srv.tokens.auditor}` }, signal: ac.signal,
  }).catch((e) => e);
  await sleep(300);
  ac.abort();
  assert.equal((await aborted).name, 'AbortError');
  const h = await api(srv, 'GET', '/healthz');
  assert.equal(h.status, 200);
  const r = await reportWhenFree('?format=json&from=2025-06-01&to=2025-06-30');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.from, '2025-06-01');
});

test('SIGTERM while a report runs: the server waits for it and exits 0', async () => {
  const a = api(srv, 'GET', `${REPORT}?format=json`, auditor()).catch((e) => e);
  await sleep(300);
  const b = api(srv, 'GET', `${REPORT}?format=json`, auditor()).catch((e) => e);
  const busy = await Promise.race([a, b]); // the refused one answers at once
  assert.equal(busy.status, 429, 'one report should still be running');
  const st = await srv.stop();
  assert.equal(st.code, 0, `exit ${st.code ?? st.signal}:\n${srv.log().slice(-4000)}`);
  await Promise.all([a, b]);
  assert.doesNotMatch(srv.log(), /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error/);
});
