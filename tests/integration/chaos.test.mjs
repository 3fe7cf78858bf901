// chaos.test.mjs — SIGKILL at random moments under mixed load, many times.
//
// Two issuer workers (staff and kiosk tokens) issue tickets of every class
// and cancel some by DELETE; one worker per counter (1, 2, 3) runs next,
// call by number, recall, start, complete, no-show, transfer, open, pause
// and close. Each worker is sequential, so it has at most one request in
// flight, and it is the only one acting on its counter: the events its
// acknowledged (2xx) requests must have produced are known exactly. After a
// seeded random delay the server is killed with SIGKILL, restarted on the
// same directory, and checked against the log (GET /api/v1/audit/events):
//
// - the log replays legally through a small model of the ticket lifecycle
//   (one ticket per counter, only legal transitions), so no request is ever
//   half there (a `next` whose `completed` is logged but not its `called`
//   would leave two tickets at a counter or a missing one);
// - per counter, the events of the round are exactly the batches of the
//   acknowledged requests, in order and each contiguous, plus at most one
//   batch of the request that was in flight when the server died; across
//   workers, a request sent after another was acknowledged is logged after
//   it;
// - every acknowledged ticket is there (GET /api/v1/tickets/{id}, same
//   number) with the status the log gives it, every acknowledged cancel is
//   logged, no more unacknowledged issues or cancels than were in flight;
// - ticket numbers are never reused within the day; the counters of
//   GET /api/v1/queue are the log's;
// - at the end `fairq verify` says the chain is intact.
//
// FAIRQ_CHAOS_SEED=N repeats a run's delays and choices (the timing of the
// machine still varies); FAIRQ_CHAOS_KILLS sets the number of kills.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { startServer, api, auditEvents, sleep, BIN } from './lib/server.mjs';

const SEED = Number(process.env.FAIRQ_CHAOS_SEED || (Date.now() % 1000000));
const KILLS = Number(process.env.FAIRQ_CHAOS_KILLS || 10);
const COUNTERS = ['1', '2', '3'];

function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(SEED);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];

// The business day must not roll over during the test: start it 12 hours
// from now (UTC), whatever the time of the run.
function farDayStart() {
  const d = new Date(Date.now() + 12 * 3600 * 1000);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${hh}:${mm}`;
}

// --- the log, replayed through a model of the lifecycle --------------------

class Model {
  constructor() {
    this.tickets = new Map(); // ticket seq -> {number, status, counter, service}
    this.byNumber = new Map();
    this.counters = new Map(); // id -> {state, cur}
    this.lastSeq = 0;
  }

  counter(id) {
    if (!this.counters.has(id)) this.counters.set(id, { state: 'closed', cur: null });
    return this.counters.get(id);
  }

  // Applies one logged event; throws on anything the engine would never log.
  apply(row) {
    const ev = row.event;
    const where = `event ${row.seq} ${JSON.stringify(ev)}`;
    assert.equal(row.seq, this.lastSeq + 1, `log sequence has a gap at ${where}`);
    this.lastSeq = row.seq;
    const t = ev.ticket !== undefined && ev.type !== 'day' ? this.tickets.get(ev.ticket) : undefined;
    const c = ev.counter !== undefined ? this.counter(ev.counter) : undefined;
    const atCounter = () => {
      assert.ok(t, `unknown ticket: ${where}`);
      assert.equal(c.cur, ev.ticket, `not the counter's ticket: ${where}`);
    };
    switch (ev.type) {
      case 'day':
        for (const x of this.tickets.values()) assert.ok(!['waiting', 'called', 'serving'].includes(x.status), `open ticket at a day event: ${where}`);
        break;
      case 'issued':
        assert.ok(!this.tickets.has(ev.ticket), `ticket seq reused: ${where}`);
        assert.ok(!this.byNumber.has(ev.number), `number ${ev.number} reused within the day: ${where}`);
        this.tickets.set(ev.ticket, { number: ev.number, status: 'waiting', counter: null, service: ev.service });
        this.byNumber.set(ev.number, ev.ticket);
        break;
      case 'called':
        assert.ok(t && t.status === 'waiting', `called a ticket that is not waiting: ${where}`);
        assert.equal(c.state, 'open', `called at a counter that is not open: ${where}`);
        assert.equal(c.cur, null, `a second ticket at a counter: ${where}`);
        Object.assign(t, { status: 'called', counter: ev.counter });
        c.cur = ev.ticket;
        break;
      case 'recalled':
        atCounter();
        assert.equal(t.status, 'called', where);
        break;
      case 'started':
        atCounter();
        assert.equal(t.status, 'called', where);
        t.status = 'serving';
        break;
      case 'no_show':
      case 'completed':
        atCounter();
        if (ev.type === 'no_show') assert.equal(t.status, 'called', where);
        Object.assign(t, { status: ev.type === 'no_show' ? 'no_show' : 'done', counter: null });
        c.cur = null;
        break;
      case 'transferred':
        atCounter();
        assert.equal(t.status, 'serving', where);
        assert.notEqual(ev.service, t.service, where);
        Object.assign(t, { status: 'waiting', counter: null, service: ev.service });
        c.cur = null;
        break;
      case 'cancelled':
        assert.ok(t && t.status === 'waiting', `cancelled a ticket that is not waiting: ${where}`);
        t.status = 'cancelled';
        break;
      case 'counter':
        assert.notEqual(ev.state, c.state, where);
        if (ev.state === 'closed') assert.equal(c.cur, null, `closed a counter with a ticket: ${where}`);
        if (ev.state === 'paused') assert.equal(c.state, 'open', where);
        c.state = ev.state;
        break;
      case 'closed':
        assert.ok(t, where);
        t.status = 'closed';
        break;
      case 'alarm_on':
      case 'alarm_off':
        break;
      default:
        assert.fail(`unknown event type: ${where}`);
    }
  }
}

// --- workers -----------------------------------------------------------------

// One request; `acked` is the answer (any status) or undefined when the
// connection failed (the server died: the request may or may not be logged).
async function send(h, method, urlPath, opts) {
  try {
    return await api(h, method, urlPath, opts);
  } catch {
    return undefined;
  }
}

class CounterWorker {
  constructor(id) {
    this.id = id;
    this.batches = []; // per round: expected event batches of acked requests
    this.inflight = null;
  }

  // The counter's state as the server has it now (after a restart).
  async sync(h) {
    const q = (await api(h, 'GET', '/api/v1/queue', { token: h.tokens.staff })).json;
    const c = q.counters.find((x) => x.id === this.id);
    this.state = c.state;
    this.cur = c.ticket ?? null; // number
    this.curStatus = c.ticket_status ?? null;
    this.waiting = q.tickets.filter((t) => t.status === 'waiting').map((t) => t.number);
  }

  choose() {
    const r = rnd();
    if (this.state === 'closed') return { action: 'open' };
    if (this.state === 'paused') return r < 0.8 ? { action: 'open' } : { action: 'next' };
    if (!this.cur) {
      if (r < 0.7) return { action: 'next' };
      if (r < 0.8 && this.waiting.length) return { action: 'call', number: pick(this.waiting) };
      if (r < 0.9) return { action: 'pause' };
      return { action: 'close' };
    }
    if (this.curStatus === 'called') {
      if (r < 0.15) return { action: 'recall' };
      if (r < 0.55) return { action: 'start' };
      if (r < 0.7) return { action: 'no-show' };
      if (r < 0.8) return { action: 'complete' };
      return { action: 'next' };
    }
    if (r < 0.5) return { action: 'complete' };
    if (r < 0.7) return { action: 'transfer', service: pick(['A', 'B']) };
    return { action: 'next' };
  }

  // The events an accepted request produced, in order (one transaction).
  expected(op, res) {
    const mine = (type, number, extra = {}) => ({ type, counter: this.id, number, ...extra });
    switch (op.action) {
      case 'open': case 'pause': case 'close':
        return [{ type: 'counter', counter: this.id, state: { open: 'open', pause: 'paused', close: 'closed' }[op.action] }];
      case 'next': {
        const b = this.cur ? [mine('completed', this.cur)] : [];
        if (res.json.ticket) b.push(mine('called', res.json.ticket.number, { manual: false }));
        return b;
      }
      case 'call': {
        const b = this.cur ? [mine('completed', this.cur)] : [];
        b.push(mine('called', op.number, { manual: true }));
        return b;
      }
      case 'recall': return [mine('recalled', this.cur)];
      case 'start': return [mine('started', this.cur)];
      case 'complete': return [mine('completed', this.cur)];
      case 'no-show': return [mine('no_show', this.cur)];
      case 'transfer': return [mine('transferred', this.cur, { service: op.service })];
      default: throw new Error(op.action);
    }
  }

  // Event types the request in flight could have logged, in order.
  inflightShapes() {
    const op = this.inflight;
    if (!op) return [[]];
    const shapes = [[]];
    switch (op.action) {
      case 'next': shapes.push(['completed'], ['called'], ['completed', 'called']); break;
      case 'call': shapes.push(['called'], ['completed', 'called']); break;
      case 'open': case 'pause': case 'close': shapes.push(['counter']); break;
      default: shapes.push([{ 'no-show': 'no_show', recall: 'recalled', start: 'started', complete: 'completed', transfer: 'transferred' }[op.action]]);
    }
    return shapes;
  }

  async run(h, round, stop) {
    this.inflight = null;
    const batches = [];
    this.batches[round] = batches;
    while (!stop.now) {
      const op = this.choose();
      if (op.action === 'call') {
        // a fresh look at who waits (not an operation on the log)
        const q = await send(h, 'GET', '/api/v1/queue', { token: h.tokens.staff });
        if (!q) break;
        const w = q.json.tickets.filter((t) => t.status === 'waiting').map((t) => t.number);
        if (!w.length) continue;
        op.number = pick(w);
      }
      this.inflight = op;
      const sentAt = performance.now();
      const body = op.action === 'transfer' ? { service: op.service }
        : op.action === 'call' ? { number: op.number, reason: 'chaos test: called by number' } : {};
      const res = await send(h, 'POST', `/api/v1/counters/${this.id}/${op.action}`, { token: h.tokens.staff, body });
      if (!res) break; // died with the server: stays in flight
      this.inflight = null;
      if (res.status === 200) {
        const b = this.expected(op, res);
        b.sentAt = sentAt;
        b.ackedAt = performance.now();
        batches.push(b);
        if (op.action === 'next') {
          this.cur = res.json.ticket ? res.json.ticket.number : null;
          this.curStatus = this.cur ? 'called' : null;
        } else {
          const c = res.json.counter;
          this.state = c.state;
          this.cur = c.ticket ?? null;
          this.curStatus = c.ticket_status ?? null;
        }
      } else {
        assert.ok([409, 404].includes(res.status), `${op.action} at ${this.id}: ${res.status} ${res.text}`);
        if (!(await send(h, 'GET', '/healthz'))) break;
        try { await this.sync(h); } catch { break; }
      }
    }
  }
}

class IssueWorker {
  constructor(role) {
    this.role = role;
    this.acked = []; // {id, number, round}
    this.cancels = []; // {number, round}
    this.inflight = null;
  }

  async run(h, round, stop) {
    this.inflight = null;
    while (!stop.now) {
      const mine = this.acked.filter((t) => !t.cancelAcked);
      if (mine.length && rnd() < 0.15) {
        const t = pick(mine);
        this.inflight = { kind: 'cancel', number: t.number };
        const sentAt = performance.now();
        const res = await send(h, 'DELETE', `/api/v1/tickets/${t.id}`);
        if (!res) break;
        this.inflight = null;
        if (res.status === 200) {
          t.cancelAcked = true;
          this.cancels.push({ number: t.number, round, sentAt, ackedAt: performance.now() });
        } else {
          assert.ok([409, 404].includes(res.status), `cancel: ${res.status} ${res.text}`);
        }
        continue;
      }
      const klass = this.role === 'staff' ? pick(['vip', 'priority', 'regular']) : pick(['priority', 'regular']);
      const body = { service: pick(['A', 'B']), class: klass };
      if (klass === 'priority' && rnd() < 0.7) body.reason = pick(['elderly', 'disabled', 'pregnant']);
      this.inflight = { kind: 'issue' };
      const sentAt = performance.now();
      const res = await send(h, 'POST', '/api/v1/tickets', { token: h.tokens[this.role], body });
      if (!res) break;
      this.inflight = null;
      assert.equal(res.status, 201, res.text);
      this.acked.push({ id: res.json.id, number: res.json.number, round, sentAt, ackedAt: performance.now() });
    }
  }
}

// --- the test ------------------------------------------------------------------

test(`SIGKILL ${KILLS} times under mixed load: every acknowledged operation survives, in order, the chain verifies (seed ${SEED})`, async () => {
  const t0 = Date.now();
  const dayStart = farDayStart();
  const h = await startServer({
    limits: { kiosk_tickets_per_minute: 10000 },
    edit: (cfg) => cfg
      .replace(/(\n\s*timezone\s*=\s*)"[^"]*"/, '$1"Etc/UTC"')
      .replace(/(\n\s*day_starts\s*=\s*)"[^"]*"/, `$1"${dayStart}"`),
  });
  const counters = COUNTERS.map((id) => new CounterWorker(id));
  const issuers = [new IssueWorker('staff'), new IssueWorker('kiosk')];
  const rows = [];
  const fetchLog = async () => {
    for (;;) {
      const more = await auditEvents(h, rows.length, 10000);
      if (!more.length) return;
      rows.push(...more);
    }
  };
  const model = new Model();
  const stats = { acked: 0, ordered: 0, inflightLogged: 0, inflightLost: 0, rounds: [] };

  try {
    for (let round = 0; round < KILLS; round++) {
      await fetchLog();
      const head = rows.length;
      for (const w of counters) await w.sync(h);
      const stop = { now: false };
      const runs = [...counters, ...issuers].map((w) => w.run(h, round, stop));
      const delay = 300 + Math.floor(rnd() * 1200);
      await sleep(delay);
      await h.kill();
      stop.now = true;
      await Promise.all(runs);
      await h.start();

      // The log of the round, replayed.
      await fetchLog();
      for (const row of rows.slice(model.lastSeq)) model.apply(row);
      const roundRows = rows.slice(head);
      const numberOf = (seq) => model.tickets.get(seq)?.number;

      // Acked requests with the seqs of their events, for the order check.
      const timed = [];
      // Per counter: exactly the acked batches, in order, each contiguous,
      // then at most the batch of the request in flight.
      for (const w of counters) {
        const evs = roundRows.filter((r) => r.event.counter === w.id);
        let i = 0;
        for (const batch of w.batches[round]) {
          for (let k = 0; k < batch.length; k++, i++) {
            const want = batch[k];
            const got = evs[i];
            const what = `counter ${w.id}, round ${round}: expected ${JSON.stringify(want)}, log has ${got ? JSON.stringify(got) : 'nothing'}`;
            assert.ok(got, what);
            assert.equal(got.event.type, want.type, what);
            if (want.number) assert.equal(numberOf(got.event.ticket), want.number, what);
            if (want.state) assert.equal(got.event.state, want.state, what);
            if (want.service) assert.equal(got.event.service, want.service, what);
            if (want.manual !== undefined) assert.equal(got.event.manual === true, want.manual, what);
            if (k > 0) assert.equal(got.seq, evs[i - 1].seq + 1, `a batch split in the log: ${what}`);
          }
          if (batch.length) timed.push({ what: `${batch.at(-1).type} at counter ${w.id}`, first: evs[i - batch.length].seq, last: evs[i - 1].seq, sentAt: batch.sentAt, ackedAt: batch.ackedAt });
          stats.acked++;
        }
        const rest = evs.slice(i).map((r) => r.event.type);
        const shapes = w.inflightShapes();
        assert.ok(shapes.some((s) => JSON.stringify(s) === JSON.stringify(rest)),
          `counter ${w.id}, round ${round}: events after the acked ones ${JSON.stringify(rest)} are not the request in flight ${JSON.stringify(w.inflight)}`);
        if (w.inflight) stats[rest.length ? 'inflightLogged' : 'inflightLost']++;
        for (let k = 1; k < rest.length; k++) assert.equal(evs[i + k].seq, evs[i + k - 1].seq + 1, 'the in-flight batch is contiguous');
      }

      // Issues and cancels: every acked one is logged; unacked ones no more
      // than were in flight.
      const issuedNow = roundRows.filter((r) => r.event.type === 'issued').map((r) => r.event.number);
      const ackedIssues = issuers.flatMap((w) => w.acked.filter((t) => t.round === round).map((t) => t.number));
      for (const n of ackedIssues) assert.ok(issuedNow.includes(n), `acked ticket ${n} is not in the log (round ${round})`);
      const issueInflight = issuers.filter((w) => w.inflight?.kind === 'issue').length;
      assert.ok(issuedNow.length - ackedIssues.length <= issueInflight,
        `${issuedNow.length - ackedIssues.length} unacked issues logged, ${issueInflight} were in flight`);
      const cancelledNow = roundRows.filter((r) => r.event.type === 'cancelled').map((r) => numberOf(r.event.ticket));
      const ackedCancels = issuers.flatMap((w) => w.cancels.filter((c) => c.round === round).map((c) => c.number));
      for (const n of ackedCancels) assert.ok(cancelledNow.includes(n), `acked cancel of ${n} is not in the log`);
      const seqOfIssue = new Map(roundRows.filter((r) => r.event.type === 'issued').map((r) => [r.event.number, r.seq]));
      const seqOfCancel = new Map(roundRows.filter((r) => r.event.type === 'cancelled').map((r) => [numberOf(r.event.ticket), r.seq]));
      for (const w of issuers) {
        for (const t of w.acked.filter((x) => x.round === round)) {
          timed.push({ what: `issue of ${t.number}`, first: seqOfIssue.get(t.number), last: seqOfIssue.get(t.number), sentAt: t.sentAt, ackedAt: t.ackedAt });
        }
        for (const c of w.cancels.filter((x) => x.round === round)) {
          timed.push({ what: `cancel of ${c.number}`, first: seqOfCancel.get(c.number), last: seqOfCancel.get(c.number), sentAt: c.sentAt, ackedAt: c.ackedAt });
        }
      }
      // Across workers: a request sent after another was acknowledged is
      // logged after it.
      const byAck = [...timed].sort((a, b) => a.ackedAt - b.ackedAt);
      let j = 0;
      let latest = null;
      for (const b of [...timed].sort((x, y) => x.sentAt - y.sentAt)) {
        for (; j < byAck.length && byAck[j].ackedAt < b.sentAt; j++) if (!latest || byAck[j].last > latest.last) latest = byAck[j];
        if (latest) assert.ok(latest.last < b.first, `${b.what} (seq ${b.first}) was sent after ${latest.what} (seq ${latest.last}) was acknowledged, but is logged before it`);
      }
      stats.ordered += timed.length;
      const cancelInflight = issuers.filter((w) => w.inflight?.kind === 'cancel').length;
      assert.ok(cancelledNow.length - ackedCancels.length <= cancelInflight, 'unacked cancels beyond those in flight');
      stats.acked += ackedIssues.length + ackedCancels.length;
      const others = roundRows.filter((r) => r.event.counter === undefined && !['issued', 'cancelled'].includes(r.event.type));
      assert.deepEqual(others.map((r) => r.event), [], 'no events nobody asked for');

      // The restarted server agrees with the log.
      const q = (await api(h, 'GET', '/api/v1/queue', { token: h.tokens.staff })).json;
      for (const c of q.counters.filter((x) => COUNTERS.includes(x.id))) {
        const m = model.counter(c.id);
        assert.equal(c.state, m.state, `counter ${c.id} state after restart`);
        assert.equal(c.ticket ?? null, m.cur ? numberOf(m.cur) : null, `counter ${c.id} ticket after restart`);
      }
      const waitingModel = [...model.tickets.values()].filter((t) => t.status === 'waiting').length;
      assert.equal(q.waiting, waitingModel, 'waiting count after restart');
      const everyAcked = issuers.flatMap((w) => w.acked);
      const toCheck = round === KILLS - 1 ? everyAcked : everyAcked.filter((t) => t.round === round || rnd() < 0.1);
      for (const t of toCheck) {
        const r = await api(h, 'GET', `/api/v1/tickets/${t.id}`);
        assert.equal(r.status, 200, `acked ticket ${t.number}: ${r.text}`);
        assert.equal(r.json.number, t.number);
        const m = model.tickets.get(model.byNumber.get(t.number));
        assert.equal(r.json.status, m.status, `ticket ${t.number}: server says ${r.json.status}, the log ${m.status}`);
        assert.equal(r.json.counter ?? null, m.counter, `ticket ${t.number}'s counter`);
      }
      stats.rounds.push({ delay, events: roundRows.length });
    }
  } catch (e) {
    await h.kill();
    e.message += `\n--- server log (end) ---\n${h.log().slice(-2000)}`;
    throw e;
  }
  const st = await h.stop();
  assert.equal(st.code, 0, h.log().slice(-3000));

  const v = spawnSync(BIN, ['verify', '--db', path.join(h.dir, 'var', 'fairq.db')], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stdout + v.stderr);
  const m = v.stdout.match(/^ok (\d+) events head ([0-9a-f]{64})/);
  assert.ok(m, v.stdout);
  assert.equal(Number(m[1]), rows.length, 'verify saw every event the API served');
  assert.equal(m[2], rows.at(-1).hash, 'the chain head is the last served hash');
  const tickets = issuers.reduce((n, w) => n + w.acked.length, 0);
  console.log(`# seed ${SEED}: ${KILLS} kills, ${rows.length} events, ${stats.acked} acked operations `
    + `(${tickets} tickets), in-flight requests at the kill: ${stats.inflightLogged} logged, ${stats.inflightLost} not; `
    + `events per round ${stats.rounds.map((r) => r.events).join(' ')}; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await h.cleanup();
});
