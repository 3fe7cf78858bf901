// loadgen.mjs — sustained mixed load on a real `fairq serve` with many lobby
// screens attached; a time series of throughput, latency, RSS and open fds.
//
// Workers, all in this process:
//   - one per counter (4 in the default config), each driving its own
//     counter through next -> recall | no-show | start -> complete |
//     transfer | manual call, as a clerk would, only without pauses;
//   - `issuers` kiosks issuing tickets of every class (vip by the staff
//     token, priority with a reason and regular by the kiosk token, services
//     A and B), keeping about `backlog` tickets waiting, and now and then
//     cancelling one (a 409 when it was called first is expected);
//   - N display clients on /ws/display.
// A token bucket caps the total rate at --rate operations/s (0 = as fast as
// the server answers; the durable commit is then the limit).
//
// Fan-out latency: only one worker acts at a counter and it sends one
// request at a time, so on every screen the k-th `call` message for counter
// c belongs to the k-th request at c that called or recalled a ticket;
// latency = that message's arrival - that request's start. Every screen must
// get every call (and a contiguous seq): anything else counts as lost.
//
// Every --sample seconds a line: operations/s, HTTP latency p50/p99, fan-out
// p50/p99/max, server RSS and fds, tickets waiting. Then a summary of "name
// value unit" lines. With --verify, every ticket that got a 201 is looked up
// in the audit log (GET /api/v1/audit/events) at the end.
//
// Usage: node tests/load/loadgen.mjs [--duration 60] [--clients 1000]
//   [--rate 0] [--issuers 2] [--backlog 20] [--sample 5] [--verify]
//   [--bin build/release/fairq]   (or FAIRQ_BIN)
// An hour-long soak: --duration 3600 (docs/operations.md).

import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { SOURCE_DIR, Fleet, Hist, Http, procStats, selfCpu, fmt, sleep, now, startFairq } from './lib.mjs';

const COUNTERS = ['1', '2', '3', '4'];
const SERVICES = ['A', 'B'];
const REASONS = ['elderly', 'disabled', 'pregnant'];

class Bucket {
  constructor(rate) { this.gap = rate > 0 ? 1000 / rate : 0; this.next = now(); }
  async take() {
    if (!this.gap) return;
    const t = now();
    this.next = Math.max(this.next + this.gap, t);
    if (this.next - t > 1) await sleep(this.next - t);
  }
}

// Runs the load and resolves with {summary, samples}. Options:
//   bin, clients, duration (s), rate, issuers, backlog, sample (s), warmup (s),
//   verify, synchronous, asanOptions, log(line), stop() (true: end the run now)
export async function runLoad(o = {}) {
  const opt = {
    bin: process.env.FAIRQ_BIN || path.join(SOURCE_DIR, 'build', 'release', 'fairq'),
    clients: 1000, duration: 60, rate: 0, issuers: 2, backlog: 20, sample: 5, warmup: 0,
    verify: false, log: (s) => console.error(s), stop: () => false, ...o,
  };
  const K = COUNTERS.length;
  const N = opt.clients;
  const server = await startFairq({ bin: opt.bin, clients: N, synchronous: opt.synchronous, asanOptions: opt.asanOptions });
  const tokens = server.tokens;
  let http = new Http(server.url, 16);

  const kinds = ['issue', 'cancel', 'next', 'recall', 'no-show', 'start', 'complete', 'transfer', 'call'];
  const count = Object.fromEntries(kinds.map((k) => [k, 0]));
  const conflicts = Object.fromEntries(kinds.map((k) => [k, 0]));
  let errors = 0;
  let lastError = '';
  let win = { ops: 0, http: new Hist(), fan: new Hist() };
  const total = { http: new Hist(), fan: new Hist() };
  const samples = [];

  // --- fan-out matching -------------------------------------------------------
  const callOps = COUNTERS.map(() => []);      // per counter: start time of each call-producing request
  const outstanding = new Array(K).fill(null); // per counter: the request in flight that may call
  const seen = new Uint32Array(N * K);         // per (client, counter): call messages received
  let unmatched = 0;
  let waitingNow = 0;
  const cidx = new Map(COUNTERS.map((c, i) => [c, i]));

  const fleet = new Fleet(server.url, N, (i, msg, t) => {
    if (msg.type === 'waiting' && i === 0) waitingNow = msg.waiting;
    if (msg.type !== 'call') return;
    const ci = cidx.get(msg.counter);
    const k = seen[i * K + ci]++;
    const ops = callOps[ci];
    if (k >= ops.length) {
      const out = outstanding[ci];
      if (out && out.k < 0 && k === ops.length) {
        out.k = k;
        ops.push(out.t0);
      } else { unmatched++; return; }
    }
    const ms = t - ops[k];
    win.fan.add(ms);
    total.fan.add(ms);
  });

  async function op(kind, method, p, { token, body, ok = [200] } = {}) {
    const t0 = now();
    const r = await http.request(method, p, { token, body });
    const ms = now() - t0;
    win.http.add(ms);
    total.http.add(ms);
    win.ops++;
    count[kind]++;
    if (ok.includes(r.status)) return r;
    // Only a manual call or a cancel can lose a race (the ticket was called
    // by another counter first); any other 409 means the workers' idea of a
    // counter's state and the server's differ: an error.
    if (r.status === 409 && (kind === 'call' || kind === 'cancel')) conflicts[kind]++;
    else { errors++; lastError = `${kind}: ${r.status} ${r.text}`; }
    return r;
  }

  // A request at counter ci that may put a call on the screens.
  async function calling(ci, kind, method, p, body) {
    const out = { t0: now(), k: -1 };
    outstanding[ci] = out;
    const r = await op(kind, method, p, { token: tokens.staff, body });
    outstanding[ci] = null;
    const called = r.status === 200 && (kind !== 'next' || (r.json && r.json.ticket));
    if (called && out.k < 0) callOps[ci].push(out.t0);
    return r;
  }

  let running = true;
  const bucket = new Bucket(opt.rate);
  const acked = [];     // numbers of tickets that got a 201
  const recentIds = []; // capabilities, for cancels
  let recentNumber = null;

  async function counterWorker(ci) {
    const c = COUNTERS[ci];
    const base = `/api/v1/counters/${c}`;
    let state = 'idle';
    let service = 'A';
    while (running) {
      await bucket.take();
      const x = Math.random();
      if (state === 'idle') {
        const r = await calling(ci, 'next', 'POST', `${base}/next`, {});
        if (r.status === 200 && r.json.ticket) { state = 'called'; service = r.json.ticket.service; }
        else await sleep(20); // nothing eligible yet
      } else if (state === 'called') {
        if (x < 0.1) await calling(ci, 'recall', 'POST', `${base}/recall`, {});
        else if (x < 0.2) { await op('no-show', 'POST', `${base}/no-show`, { token: tokens.staff, body: {} }); state = 'idle'; }
        else { await op('start', 'POST', `${base}/start`, { token: tokens.staff, body: {} }); state = 'serving'; }
      } else if (x < 0.1) {
        const to = SERVICES[(SERVICES.indexOf(service) + 1) % SERVICES.length];
        await op('transfer', 'POST', `${base}/transfer`, { token: tokens.staff, body: { service: to } });
        state = 'idle';
      } else if (x < 0.15 && recentNumber) {
        const number = recentNumber;
        const r = await calling(ci, 'call', 'POST', `${base}/call`, { number, reason: 'load test: manual call' });
        if (r.status === 200) { state = 'called'; service = number.replace(/\d+$/, ''); }
      } else {
        await op('complete', 'POST', `${base}/complete`, { token: tokens.staff, body: {} });
        state = 'idle';
      }
    }
  }

  async function issuer() {
    while (running) {
      if (waitingNow >= opt.backlog) { await sleep(10); continue; }
      await bucket.take();
      const x = Math.random();
      const svc = Math.random() < 0.7 ? 'A' : 'B';
      let body;
      let role = 'kiosk';
      if (x < 0.15) { body = { service: svc, class: 'vip' }; role = 'staff'; }
      else if (x < 0.4) body = { service: svc, class: 'priority', reason: REASONS[Math.floor(Math.random() * 3)] };
      else body = { service: svc, class: 'regular' };
      const r = await op('issue', 'POST', '/api/v1/tickets', { token: tokens[role], body, ok: [201] });
      if (r.status !== 201) continue;
      acked.push(r.json.number);
      recentNumber = r.json.number;
      recentIds.push(r.json.id);
      if (recentIds.length > 20) recentIds.shift();
      if (Math.random() < 0.05) {
        await bucket.take();
        const id = recentIds.splice(Math.floor(Math.random() * recentIds.length), 1)[0];
        await op('cancel', 'DELETE', `/api/v1/tickets/${id}`);
      }
    }
  }

  const started = now();
  const elapsed = () => (now() - started) / 1000;
  let idle;
  let connected;
  let after;
  let warm = null;
  let verifyResult = null;
  let result = null;
  try {
    for (const c of COUNTERS) {
      const r = await http.request('POST', `/api/v1/counters/${c}/open`, { token: tokens.staff, body: {} });
      if (r.status !== 200) throw new Error(`open counter ${c}: ${r.status} ${r.text}`);
    }
    http.destroy();
    http = new Http(server.url, 16);
    await sleep(300);
    idle = procStats(server.pid);
    const t0 = now();
    await fleet.open();
    opt.log(`loadgen: ${N} display clients open in ${fmt((now() - t0) / 1000, 1)} s; fds ${procStats(server.pid).fds} (idle ${idle.fds})`);
    opt.log('     t  ops/s  http_p50  http_p99   fan_p50   fan_p99   fan_max  rss_MiB   fds  waiting  cpu_srv%  cpu_gen%');

    // A worker that fails (the server went away) ends the run and its error is thrown at the end.
    let failure = null;
    const workers = [...COUNTERS.map((_, ci) => counterWorker(ci)), ...Array.from({ length: opt.issuers }, issuer)]
      .map((w) => w.catch((e) => { failure = failure || e; running = false; }));
    const runStart = now();
    let lastT = runStart;
    const cpu0 = { srv: procStats(server.pid).cpu_s, gen: selfCpu() };
    let lastCpu = { ...cpu0 };
    const stopAt = () => Math.min(runStart + opt.duration * 1000, lastT + opt.sample * 1000);
    while (now() - runStart < opt.duration * 1000 && !opt.stop() && !failure) {
      while (now() < stopAt() && !opt.stop() && !failure) await sleep(Math.min(500, stopAt() - now()));
      const t = now();
      const w = win;
      win = { ops: 0, http: new Hist(), fan: new Hist() };
      const st = procStats(server.pid);
      const s = {
        t: (t - runStart) / 1000, ops_s: w.ops / ((t - lastT) / 1000),
        http_p50: w.http.quantile(0.5), http_p99: w.http.quantile(0.99),
        fan_p50: w.fan.quantile(0.5), fan_p99: w.fan.quantile(0.99), fan_max: w.fan.max,
        rss_mib: st.rss_kib / 1024, fds: st.fds, waiting: waitingNow,
        cpu_srv: (100 * (st.cpu_s - lastCpu.srv)) / ((t - lastT) / 1000),
        cpu_gen: (100 * (selfCpu() - lastCpu.gen)) / ((t - lastT) / 1000),
      };
      lastCpu = { srv: st.cpu_s, gen: selfCpu() };
      lastT = t;
      samples.push(s);
      if (!warm && s.t >= opt.warmup) warm = s;
      opt.log(`${fmt(s.t, 0).padStart(6)} ${fmt(s.ops_s, 0).padStart(6)} ${fmt(s.http_p50).padStart(9)} ${fmt(s.http_p99).padStart(9)}`
        + ` ${fmt(s.fan_p50).padStart(9)} ${fmt(s.fan_p99).padStart(9)} ${fmt(s.fan_max).padStart(9)}`
        + ` ${fmt(s.rss_mib, 1).padStart(8)} ${String(s.fds).padStart(5)} ${String(s.waiting).padStart(8)}`
        + ` ${fmt(s.cpu_srv, 0).padStart(9)} ${fmt(s.cpu_gen, 0).padStart(9)}`);
    }
    running = false;
    await Promise.all(workers);
    if (failure) throw failure;
    const runSeconds = (now() - runStart) / 1000;
    const cpuSrv = procStats(server.pid).cpu_s - cpu0.srv;
    const cpuGen = selfCpu() - cpu0.gen;
    // Let the last calls reach every screen, then count what did not.
    const expected = () => callOps.reduce((a, ops) => a + ops.length, 0) * N;
    const got = () => { let g = 0; for (let i = 0; i < N; i++) for (let ci = 0; ci < K; ci++) g += Math.min(seen[i * K + ci], callOps[ci].length); return g; };
    for (let i = 0; i < 100 && got() < expected(); i++) await sleep(100);
    connected = procStats(server.pid);
    const lost = expected() - got() + fleet.gaps + fleet.unexpectedCloses + unmatched;
    const deliveries = got();
    if (opt.verify) verifyResult = await verifyAcked(http, tokens.auditor, acked);
    await fleet.close();
    http.destroy();
    for (let i = 0; i < 75; i++) {
      after = procStats(server.pid);
      if (after.fds <= idle.fds) break;
      await sleep(200);
    }
    const ops = Object.values(count).reduce((a, b) => a + b, 0);
    const summary = {
      clients: N, seconds: runSeconds, ops, ops_s: ops / runSeconds, count, conflicts, errors, lastError,
      tickets: acked.length, calls: callOps.reduce((a, x) => a + x.length, 0), deliveries, lost,
      gaps: fleet.gaps, unexpected_closes: fleet.unexpectedCloses, unmatched,
      http_p50: total.http.quantile(0.5), http_p90: total.http.quantile(0.9), http_p99: total.http.quantile(0.99), http_max: total.http.max,
      fan_p50: total.fan.quantile(0.5), fan_p90: total.fan.quantile(0.9), fan_p99: total.fan.quantile(0.99), fan_max: total.fan.max,
      rss_warm_mib: warm ? warm.rss_mib : NaN, rss_end_mib: connected.rss_kib / 1024, hwm_mib: connected.hwm_kib / 1024,
      fds_idle: idle.fds, fds_connected: connected.fds, fds_after: after.fds,
      cpu_server_pct: (100 * cpuSrv) / runSeconds, cpu_loadgen_pct: (100 * cpuGen) / runSeconds,
      verify: verifyResult,
    };
    result = { summary, samples, elapsed: elapsed() };
    return result;
  } finally {
    // A clean exit (0) is part of the result: in the sanitizer build it
    // also means LeakSanitizer found nothing.
    running = false;
    const st = await server.stop();
    if (result) result.exit = { ...st, log: st.code === 0 ? '' : server.log().slice(-4000) };
  }
}

// Every acknowledged ticket must be in the log: its `issued` event (read
// through GET /api/v1/audit/events, paged).
async function verifyAcked(http, token, acked) {
  const logged = new Set();
  let after = 0;
  for (;;) {
    const r = await http.request('GET', `/api/v1/audit/events?after=${after}&limit=5000`, { token });
    if (r.status !== 200) throw new Error(`audit/events: ${r.status} ${r.text}`);
    const lines = r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    if (!lines.length) break;
    for (const ev of lines) {
      const e = ev.event || ev;
      if ((e.type || ev.type) === 'issued') logged.add(e.number || ev.number);
      after = Math.max(after, ev.seq);
    }
  }
  const missing = acked.filter((n) => !logged.has(n));
  return { acked: acked.length, logged_issued: logged.size, missing: missing.length, first_missing: missing.slice(0, 5) };
}

function printSummary(s) {
  const out = (name, value, unit = '') => console.log(`loadgen_${name} ${value}${unit ? ` ${unit}` : ''}`);
  out('clients', s.clients);
  out('seconds', fmt(s.seconds, 1), 's');
  out('ops', s.ops);
  out('throughput', fmt(s.ops_s, 1), 'ops/s');
  for (const [k, v] of Object.entries(s.count)) out(`ops_${k.replace('-', '_')}`, v);
  out('conflicts', Object.values(s.conflicts).reduce((a, b) => a + b, 0));
  out('errors', s.errors);
  if (s.errors) console.error(`loadgen: last error: ${s.lastError}`);
  out('tickets', s.tickets);
  out('calls', s.calls);
  out('deliveries', s.deliveries);
  out('lost', s.lost);
  for (const q of ['p50', 'p90', 'p99', 'max']) out(`http_${q}`, fmt(s[`http_${q}`]), 'ms');
  for (const q of ['p50', 'p90', 'p99', 'max']) out(`fanout_${q}`, fmt(s[`fan_${q}`]), 'ms');
  out('rss_end', fmt(s.rss_end_mib, 1), 'MiB');
  out('hwm', fmt(s.hwm_mib, 1), 'MiB');
  out('fds_idle', s.fds_idle);
  out('fds_connected', s.fds_connected);
  out('fds_after', s.fds_after);
  out('cpu_server', fmt(s.cpu_server_pct, 0), '%');
  out('cpu_loadgen', fmt(s.cpu_loadgen_pct, 0), '%');
  if (s.verify) out('missing_tickets', s.verify.missing);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: a } = parseArgs({
    options: {
      duration: { type: 'string', default: '60' },
      clients: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '0' },
      issuers: { type: 'string', default: '2' },
      backlog: { type: 'string', default: '20' },
      sample: { type: 'string', default: '5' },
      bin: { type: 'string' },
      verify: { type: 'boolean', default: false },
    },
  });
  // Ctrl-C (or SIGTERM) ends the run early, still with its summary and a
  // clean stop of the server.
  let stop = false;
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stop = true; });
  runLoad({
    ...(a.bin ? { bin: a.bin } : {}),
    stop: () => stop,
    duration: Number(a.duration), clients: Number(a.clients), rate: Number(a.rate),
    issuers: Number(a.issuers), backlog: Number(a.backlog), sample: Number(a.sample), verify: a.verify,
  }).then(({ summary, exit }) => {
    printSummary(summary);
    if (exit.code !== 0) console.error(`loadgen: fairq serve exited ${exit.code ?? exit.signal}:\n${exit.log}`);
    process.exit(summary.lost || summary.errors || (summary.verify && summary.verify.missing) ? 1 : 0);
  }).catch((e) => { console.error(e); process.exit(1); });
}
