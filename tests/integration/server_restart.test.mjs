// server_restart.test.mjs — durability of the real `fairq serve`.
//
// The queue survives a clean restart and a kill -9 in the same order: a
// server that was restarted twice calls exactly the tickets, in exactly the
// order, that a copy of its database that never restarted calls. During a
// burst of ticket issuing killed with SIGKILL, every ticket that got a 201 is
// there afterwards (found by its id, same number) and no number is reused;
// the hash chain verifies. A second server on the same database is refused,
// and so is a tokens file others can read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startServer, makeConfig, runSecond, api, issue, act, queue, BIN } from './lib/server.mjs';

// The queue without the fields that move with the clock.
function stable(q) {
  return {
    day: q.day,
    policy: q.policy,
    waiting: q.waiting,
    tickets: q.tickets.map(({ wait_s, estimated_wait_s, overdue, ...t }) => t),
    counters: q.counters,
  };
}

async function drain(h, counter) {
  const order = [];
  for (;;) {
    const r = await act(h, counter, 'next');
    assert.equal(r.status, 200, r.text);
    if (!r.json.ticket) return order;
    order.push(r.json.ticket.number);
  }
}

test('restart and kill -9 keep the queue and its order', async () => {
  const opts = { policy: 'strict' }; // time-independent order, so two servers can be compared
  const x = await startServer({ ...opts, keep: true });
  const mix = [['regular', 'A'], ['vip', 'A'], ['priority', 'B'], ['regular', 'B'], ['priority', 'A'],
    ['vip', 'B'], ['regular', 'A'], ['priority', 'A'], ['regular', 'B'], ['vip', 'A'], ['regular', 'A'], ['priority', 'B']];
  const issued = [];
  for (const [klass, svc] of mix) {
    const r = await issue(x, svc, klass, klass === 'priority' ? 'disabled' : null);
    assert.equal(r.status, 201, r.text);
    issued.push(r.json);
  }
  await act(x, '1', 'open');
  await act(x, '2', 'open');
  await act(x, '2', 'pause');
  await act(x, '1', 'next');
  await act(x, '1', 'recall');
  const before = stable(await queue(x));
  assert.equal((await x.stop()).code, 0, x.log());

  // A twin: the same database, started once and never restarted.
  const ydir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairq-it-'));
  fs.mkdirSync(path.join(ydir, 'var'));
  for (const f of fs.readdirSync(path.join(x.dir, 'var'))) {
    if (!f.endsWith('.lock')) fs.copyFileSync(path.join(x.dir, 'var', f), path.join(ydir, 'var', f));
  }
  fs.chmodSync(path.join(ydir, 'var', 'tokens'), 0o600);
  fs.writeFileSync(path.join(ydir, 'fairq.cfg'), makeConfig(ydir, opts));

  await x.start();
  assert.deepEqual(stable(await queue(x)), before, 'the queue after a clean restart');
  for (const t of issued) {
    const r = await api(x, 'GET', `/api/v1/tickets/${t.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.number, t.number);
  }
  const firstPart = [];
  for (let i = 0; i < 4; i++) firstPart.push((await act(x, '1', 'next')).json.ticket.number);
  await x.kill();
  await x.start();
  const q = await queue(x);
  assert.equal(q.counters.find((c) => c.id === '1').state, 'open');
  assert.equal(q.counters.find((c) => c.id === '2').state, 'paused');
  const s1 = [...firstPart, ...(await drain(x, '1'))];

  const y = await startServer({ ...opts, dir: ydir });
  const s2 = await drain(y, '1');
  assert.deepEqual(s1, s2, 'the same calls in the same order as a server that never restarted');
  assert.equal(s1.length, issued.length - 1);
  assert.equal((await y.stop()).code, 0, y.log());
  await y.cleanup();
  assert.equal((await x.stop()).code, 0, x.log());
  await x.cleanup();
});

test('kill -9 during a burst: every 201 survives, no number is reused, the chain verifies', async () => {
  const z = await startServer({ limits: { kiosk_tickets_per_minute: 10000 } });
  const ok = [];
  let failures = 0;
  let killed = false;
  const worker = async (w) => {
    for (let i = 0; i < 40; i++) {
      try {
        const r = await issue(z, i % 3 ? 'A' : 'B', i % 2 ? 'regular' : 'priority', null, w % 2 ? 'kiosk' : 'staff');
        if (r.status === 201) ok.push(r.json);
        else throw new Error(`unexpected ${r.status} ${r.text}`);
        if (ok.length >= 60 && !killed) {
          killed = true;
          z.proc.kill('SIGKILL');
        }
      } catch (e) {
        if (!killed) throw e;
        failures++;
      }
    }
  };
  await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
  assert.ok(killed && ok.length >= 60, `${ok.length} tickets before the kill`);
  assert.ok(failures > 0, 'some requests were cut off by the kill');
  await z.kill();
  await z.start();
  for (const t of ok) {
    const r = await api(z, 'GET', `/api/v1/tickets/${t.id}`);
    assert.equal(r.status, 200, `ticket ${t.number} answered 201 before the crash: ${r.text}`);
    assert.equal(r.json.number, t.number);
    assert.equal(r.json.status, 'waiting');
  }
  const seen = new Set(ok.map((t) => t.number));
  assert.equal(seen.size, ok.length, 'numbers were unique before the crash');
  const q = await queue(z);
  for (const t of q.tickets) seen.add(t.number); // tickets committed but not answered count too
  for (let i = 0; i < 10; i++) {
    const r = await issue(z, i % 2 ? 'A' : 'B', 'regular');
    assert.equal(r.status, 201, r.text);
    assert.ok(!seen.has(r.json.number), `number ${r.json.number} reused after the crash`);
    seen.add(r.json.number);
  }

  // A second server on the same database is refused while this one runs.
  const second = await runSecond(z);
  assert.equal(second.code, 2, second.log);
  assert.match(second.log, /in use|another|locked|busy/i, second.log);
  assert.equal((await api(z, 'GET', '/healthz')).status, 200);

  assert.equal((await z.stop()).code, 0, z.log());
  const v = spawnSync(BIN, ['verify', '--db', path.join(z.dir, 'var', 'fairq.db')], { encoding: 'utf8' });
  if (v.status !== null && !/unknown command/.test(v.stderr)) {
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^ok \d+ events head [0-9a-f]{64}/);
  }
  await z.cleanup();
});

test('a tokens file others can read is refused with a fix; a missing one is created 0600', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairq-it-'));
  fs.mkdirSync(path.join(dir, 'var'));
  fs.writeFileSync(path.join(dir, 'var', 'tokens'), 'staff 0123456789abcdef0123456789abcdef\n', { mode: 0o644 });
  fs.chmodSync(path.join(dir, 'var', 'tokens'), 0o644);
  fs.writeFileSync(path.join(dir, 'fairq.cfg'), makeConfig(dir));
  const r = await runSecond({ dir, cfgPath: path.join(dir, 'fairq.cfg') });
  assert.equal(r.code, 2, r.log);
  assert.match(r.log, /chmod 600/);
  assert.ok(!fs.existsSync(path.join(dir, 'var', 'fairq.db')), 'nothing was started');
  fs.rmSync(dir, { recursive: true, force: true });

  const h = await startServer();
  const st = fs.statSync(path.join(h.dir, 'var', 'tokens'));
  assert.equal(st.mode & 0o777, 0o600);
  for (const role of ['kiosk', 'staff', 'auditor']) assert.match(h.tokens[role], /^[0-9a-f]{32}$/);
  assert.match(h.log(), /created tokens file .*tokens \(kiosk, staff, auditor tokens inside\)/);
  assert.equal((await h.stop()).code, 0);
  await h.start();
  assert.doesNotMatch(h.log(), /created tokens file/, 'created once only');
  await h.cleanup();
});
