// fanout.mjs — SPEC 12's lobby benchmark: call-to-screen latency with 1,000
// display clients, fairq against a Node.js `ws` server that makes the same
// promise (tests/load/node_baseline.mjs: fsync before broadcast), in the
// same run and with the same client harness.
//
// Both servers run side by side, each with its own N display clients (all in
// this one Node process). Rounds alternate between them (fairq, node, node,
// fairq, ...: the order flips every pair) so the machine's noise hits both.
// A round: issue one ticket (staff token), wait until every client has
// received everything and the sockets are quiet, take t0, POST the counter's
// `next`, and record for every client the time from t0 to its receipt of the
// `call` message for that ticket. A client that has not got it within
// --timeout-ms counts as lost. The first --warmup rounds are not counted.
//
// At the end: p50/p90/p99/max over every (client, round) pair, lost
// messages, the `next` reply time (as this busy process sees it: after the
// round's 1,000 messages it is parsing), server CPU per round, and the
// server process's VmRSS, VmHWM and open fds (with the clients attached,
// and again after they left).
//
// Output: "name value unit" lines on stdout (scripts/bench parses them);
// progress on stderr.
//
// Usage: node tests/load/fanout.mjs [--clients 1000] [--rounds 200]
//   [--warmup 10] [--pause-ms 20] [--timeout-ms 10000] [--targets fairq,node]
//   [--bin build/release/fairq]   (or FAIRQ_BIN)
// A target LABEL=PATH is another fairq binary, e.g. to compare two builds:
//   --targets fairq,node,patched=/tmp/other/fairq

import path from 'node:path';
import { parseArgs } from 'node:util';

import { SOURCE_DIR, Fleet, Http, procStats, quantile, fmt, sleep, now, startFairq, startNodeBaseline } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    'pause-ms': { type: 'string', default: '20' },
    'timeout-ms': { type: 'string', default: '10000' },
    targets: { type: 'string', default: 'fairq,node' },
    bin: { type: 'string', default: process.env.FAIRQ_BIN || path.join(SOURCE_DIR, 'build', 'release', 'fairq') },
  },
});
const N = Number(opt.clients);
const ROUNDS = Number(opt.rounds);
const WARMUP = Number(opt.warmup);
const PAUSE = Number(opt['pause-ms']);
const TIMEOUT = Number(opt['timeout-ms']);
const log = (...a) => console.error('fanout:', ...a);

// One target: its server, its clients, its figures.
class Target {
  constructor(server) {
    this.server = server;
    this.http = new Http(server.url, 4);
    this.lat = [];          // ms, every counted (client, round) pair
    this.replies = [];      // ms, `next` request to its answer
    this.lost = 0;
    this.pending = null;    // {number, t0, times: Float64Array, got, done}
    this.early = new Map(); // call messages whose number is not yet known
    this.fleet = new Fleet(server.url, N, (i, msg, t) => this.onMessage(i, msg, t));
  }

  onMessage(i, msg, t) {
    if (msg.type !== 'call') return;
    const p = this.pending;
    if (p && p.number === msg.number) {
      if (Number.isNaN(p.times[i])) { p.times[i] = t; if (++p.got === N) p.done(); }
    } else {
      // The call can beat the `next` answer: keep it until the number is known.
      if (!this.early.has(msg.number)) this.early.set(msg.number, []);
      this.early.get(msg.number).push([i, t]);
    }
  }

  api(method, p, body) {
    return this.http.request(method, p, { token: this.server.tokens.staff, body });
  }

  async round(counted) {
    const iss = await this.api('POST', '/api/v1/tickets', { service: 'A', class: 'regular' });
    if (iss.status !== 201) throw new Error(`${this.server.name}: issue answered ${iss.status} ${iss.text}`);
    await this.fleet.settle();
    this.early.clear();
    // Until the answer names the ticket, its call messages are parked in
    // this.early (pending is null between rounds) and moved over below.
    const t0 = now();
    const r = await this.api('POST', '/api/v1/counters/1/next', {});
    const t1 = now();
    const number = r.json && r.json.ticket && r.json.ticket.number;
    if (r.status !== 200 || !number) throw new Error(`${this.server.name}: next answered ${r.status} ${r.text}`);
    const p = { number, t0, times: new Float64Array(N).fill(NaN), got: 0 };
    const all = new Promise((resolve) => { p.done = resolve; });
    for (const [i, t] of this.early.get(number) || []) if (Number.isNaN(p.times[i])) { p.times[i] = t; p.got++; }
    this.early.clear();
    this.pending = p;
    if (p.got === N) p.done();
    let timer;
    await Promise.race([all, new Promise((resolve) => { timer = setTimeout(resolve, TIMEOUT); })]);
    clearTimeout(timer);
    this.pending = null;
    if (counted) {
      this.replies.push(t1 - t0);
      for (let i = 0; i < N; i++) {
        if (Number.isNaN(p.times[i])) this.lost++;
        else this.lat.push(p.times[i] - t0);
      }
    }
    await this.fleet.settle();
  }
}

async function main() {
  const names = opt.targets.split(',').map((s) => s.trim()).filter(Boolean);
  const targets = [];
  try {
    for (const name of names) {
      // "LABEL=BIN" is one more fairq binary (to compare two builds).
      const [label, bin] = name.includes('=') ? name.split('=') : [name, opt.bin];
      const server = label === 'node' ? await startNodeBaseline() : await startFairq({ bin, clients: N });
      server.name = label;
      const t = new Target(server);
      const open = await t.api('POST', '/api/v1/counters/1/open', {});
      if (open.status !== 200) throw new Error(`${label}: open answered ${open.status} ${open.text}`);
      // New sockets for the rounds, so the idle fd count has no HTTP socket.
      t.http.destroy();
      t.http = new Http(server.url, 4);
      await sleep(300);
      t.idle = procStats(server.pid);
      log(`${label}: pid ${server.pid}, ${server.url}, opening ${N} display clients`);
      const t0 = now();
      await t.fleet.open();
      log(`${label}: ${N} clients open in ${fmt((now() - t0) / 1000, 1)} s`);
      t.cpu0 = procStats(server.pid).cpu_s;
      targets.push(t);
    }
    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      const order = r % 2 ? [...targets].reverse() : targets;
      for (const t of order) {
        await t.round(r >= WARMUP);
        await sleep(PAUSE);
      }
      if ((r + 1) % 50 === 0) log(`round ${r + 1}/${WARMUP + ROUNDS}`);
    }
    for (const t of targets) {
      t.connected = procStats(t.server.pid);
      t.gaps = t.fleet.gaps;
      t.closes = t.fleet.unexpectedCloses;
      await t.fleet.close();
      t.http.destroy();
    }
    await sleep(1000);
    for (const t of targets) {
      // The server notices the closes asynchronously: give it a few seconds.
      for (let i = 0; i < 50; i++) {
        t.after = procStats(t.server.pid);
        if (t.after.fds <= t.idle.fds) break;
        await sleep(200);
      }
    }
  } finally {
    for (const t of targets) await t.server.stop();
  }

  const out = (name, value, unit = '') => console.log(`${name} ${value}${unit ? ` ${unit}` : ''}`);
  out('fanout_clients', N);
  out('fanout_rounds', ROUNDS);
  const p99 = {};
  for (const t of targets) {
    const n = t.server.name;
    const lat = Float64Array.from(t.lat).sort();
    const rep = Float64Array.from(t.replies).sort();
    out(`fanout_${n}_p50`, fmt(quantile(lat, 0.5)), 'ms');
    out(`fanout_${n}_p90`, fmt(quantile(lat, 0.9)), 'ms');
    out(`fanout_${n}_p99`, fmt(quantile(lat, 0.99)), 'ms');
    out(`fanout_${n}_max`, fmt(lat[lat.length - 1]), 'ms');
    out(`fanout_${n}_reply_p50`, fmt(quantile(rep, 0.5)), 'ms');
    out(`fanout_${n}_reply_p99`, fmt(quantile(rep, 0.99)), 'ms');
    out(`fanout_${n}_samples`, lat.length);
    // Server CPU (user + system, 10 ms ticks) per round, warm-up included.
    out(`fanout_${n}_cpu_per_round`, fmt((1000 * (t.connected.cpu_s - t.cpu0)) / (ROUNDS + WARMUP), 1), 'ms');
    out(`fanout_${n}_lost`, t.lost + t.gaps + t.closes);
    out(`fanout_${n}_rss`, fmt(t.connected.rss_kib / 1024, 1), 'MiB');
    out(`fanout_${n}_hwm`, fmt(t.connected.hwm_kib / 1024, 1), 'MiB');
    out(`fanout_${n}_fds_idle`, t.idle.fds);
    out(`fanout_${n}_fds_connected`, t.connected.fds);
    out(`fanout_${n}_fds_after`, t.after.fds);
    p99[n] = quantile(lat, 0.99);
  }
  if (p99.fairq !== undefined && p99.node !== undefined) out('fanout_p99_ratio', fmt(p99.fairq / p99.node, 3));
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130)); // lib.mjs stops the servers
main().catch((e) => { console.error(e); process.exit(1); });
