// lib.mjs — what the fan-out benchmark, the load generator and the soak
// test share: starting a target server (fairq or the Node baseline) in a
// scratch directory on the real disk, a fleet of lobby display clients, a
// keep-alive HTTP client, /proc readings of the server process and a
// latency histogram.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.FAIRQ_SOURCE_DIR || path.resolve(HERE, '../..');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();

// Scratch directories go under var/bench (the repository's disk, as the
// other benchmarks), not /tmp, which may be a RAM disk where fsync is free.
export function scratchDir(prefix) {
  const base = path.join(SOURCE_DIR, 'var', 'bench');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, prefix));
}

// --- the server under test ------------------------------------------------

// Servers still running when this process exits (an error, Ctrl-C) get a
// SIGTERM rather than being left behind.
const children = new Set();
process.on('exit', () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM'); });
function track(proc) {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
}

// Starts `fairq serve` (bin) through the integration tests' helper, with a
// config that admits `clients` display sockets from 127.0.0.1 and lets the
// kiosk token issue quickly. Returns {name, pid, url, tokens, stop()}.
export async function startFairq({ bin, clients = 1000, synchronous, dir, asanOptions } = {}) {
  process.env.FAIRQ_BIN = path.resolve(bin);
  if (asanOptions !== undefined) process.env.ASAN_OPTIONS = asanOptions;
  const lib = await import('../integration/lib/server.mjs');
  const h = await lib.startServer({
    dir: dir || scratchDir('fairq-'),
    synchronous,
    limits: { max_connections: Math.max(4096, clients + 512), connections_per_address: 0, kiosk_tickets_per_minute: 10000 },
  });
  track(h.proc);
  return {
    name: 'fairq',
    pid: h.proc.pid,
    url: h.url,
    port: h.port,
    tokens: h.tokens,
    handle: h,
    log: () => h.log(),
    stop: async () => {
      const st = await h.stop();
      fs.rmSync(h.dir, { recursive: true, force: true });
      return st;
    },
  };
}

// Starts tests/load/node_baseline.mjs with its log file in a scratch
// directory on the same disk. Same shape as startFairq's handle.
export function startNodeBaseline() {
  const dir = scratchDir('node-');
  const token = crypto.randomBytes(16).toString('hex');
  const proc = spawn(process.execPath, [path.join(HERE, 'node_baseline.mjs'), '--log', path.join(dir, 'log.ndjson'),
    '--token', token], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`node baseline did not start:\n${text}`)); }, 20000);
    const onData = (d) => {
      text += d;
      const m = text.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        name: 'node',
        pid: proc.pid,
        url: `http://127.0.0.1:${port}`,
        port,
        tokens: { staff: token, kiosk: token },
        log: () => text,
        stop: () => new Promise((res) => {
          proc.once('exit', (code, signal) => { fs.rmSync(dir, { recursive: true, force: true }); res({ code, signal }); });
          proc.kill('SIGTERM');
        }),
      });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`node baseline exited ${code}:\n${text}`)); });
  });
}

// --- /proc readings -------------------------------------------------------

// {rss_kib, hwm_kib, fds, cpu_s} of a live process (Linux); cpu_s is user +
// system time so far (clock ticks of 10 ms, the usual USER_HZ).
export function procStats(pid) {
  const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k) => Number((st.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [])[1] || NaN);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    rss_kib: kib('VmRSS'), hwm_kib: kib('VmHWM'), fds: fs.readdirSync(`/proc/${pid}/fd`).length,
    cpu_s: (Number(f[11]) + Number(f[12])) / 100,
  };
}

// CPU seconds (user + system) this Node process has used so far.
export function selfCpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// --- HTTP -----------------------------------------------------------------

// A small JSON client on keep-alive sockets of its own, so that destroy()
// really closes them (the fd count of the server is compared afterwards).
export class Http {
  constructor(url, maxSockets = 16) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  // Resolves {status, json, text}; rejects only on a transport error.
  request(method, urlPath, { token, body } = {}) {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (data !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(data);
    }
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.host, port: this.port, method, path: urlPath, headers, agent: this.agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try { json = JSON.parse(text); } catch { json = undefined; }
          resolve({ status: res.statusCode, json, text });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(60000, () => req.destroy(new Error(`${method} ${urlPath}: no answer in 60 s`)));
      req.end(data);
    });
  }

  destroy() { this.agent.destroy(); }
}

// --- lobby display clients ---------------------------------------------------

// n WebSocket clients on /ws/display. Every message is stamped on arrival
// (before parsing) and handed to onMessage(index, msg, t). Each client's seq
// must grow by one per message: a gap, or a close we did not ask for, is
// counted in `gaps` / `unexpectedCloses` (a lost message).
export class Fleet {
  constructor(url, n, onMessage = () => {}) {
    this.url = url.replace(/^http/, 'ws') + '/ws/display';
    this.n = n;
    this.onMessage = onMessage;
    this.sockets = new Array(n);
    this.lastSeq = new Float64Array(n).fill(NaN);
    this.lastAt = 0;
    this.gaps = 0;
    this.unexpectedCloses = 0;
    this.closing = false;
    this.received = 0;
  }

  openOne(i) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, 'fairq.display.v1', { perMessageDeflate: false });
      this.sockets[i] = ws;
      let snap = false;
      ws.on('message', (data) => {
        const t = performance.now();
        const msg = JSON.parse(data.toString());
        this.received++;
        this.lastAt = t;
        if (msg.type === 'snapshot') {
          snap = true;
          this.lastSeq[i] = msg.seq;
          resolve();
        } else if (msg.seq !== this.lastSeq[i] + 1) {
          this.gaps++;
        }
        this.lastSeq[i] = msg.seq;
        if (snap) this.onMessage(i, msg, t);
      });
      ws.on('close', () => { if (!this.closing) this.unexpectedCloses++; if (!snap) reject(new Error('closed before its snapshot')); });
      ws.on('error', (e) => { if (!snap) reject(e); });
    });
  }

  // Opens the clients `batch` at a time, each waiting for its snapshot.
  async open(batch = 50) {
    for (let i = 0; i < this.n; i += batch) {
      const ps = [];
      for (let j = i; j < Math.min(this.n, i + batch); j++) ps.push(this.openOne(j));
      await Promise.all(ps);
    }
  }

  // True when every client has seen the same last seq and nothing arrived
  // for quietMs: the server has nothing more in flight for the lobby.
  // (A socket the server closed is left out: it is counted as lost.)
  settled(quietMs) {
    if (performance.now() - this.lastAt < quietMs) return false;
    let s = NaN;
    for (let i = 0; i < this.n; i++) {
      if (this.sockets[i].readyState !== WebSocket.OPEN) continue;
      if (Number.isNaN(s)) s = this.lastSeq[i];
      else if (this.lastSeq[i] !== s) return false;
    }
    return true;
  }

  async settle(quietMs = 5, timeoutMs = 30000) {
    const end = performance.now() + timeoutMs;
    while (!this.settled(quietMs)) {
      if (performance.now() > end) throw new Error('the display clients did not settle');
      await sleep(2);
    }
  }

  async close() {
    this.closing = true;
    await Promise.all(this.sockets.map((ws) => ws && ws.readyState !== WebSocket.CLOSED && new Promise((r) => {
      ws.once('close', r);
      ws.close();
      setTimeout(() => { ws.terminate(); r(); }, 5000).unref();
    })));
  }
}

// --- latency statistics ------------------------------------------------------

// A log-scale histogram of milliseconds with about 1% resolution: bounded
// memory over an hour-long run.
export class Hist {
  constructor() { this.buckets = new Float64Array(2200); this.count = 0; this.max = 0; this.sum = 0; }
  static index(ms) { return Math.min(2199, Math.round(Math.log1p(Math.max(0, ms) * 1000) * 100)); }
  static value(i) { return Math.expm1(i / 100) / 1000; }
  add(ms) { this.buckets[Hist.index(ms)]++; this.count++; this.sum += ms; if (ms > this.max) this.max = ms; }
  merge(o) { for (let i = 0; i < o.buckets.length; i++) this.buckets[i] += o.buckets[i]; this.count += o.count; this.sum += o.sum; this.max = Math.max(this.max, o.max); }
  quantile(q) {
    if (!this.count) return NaN;
    const want = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= want) return Math.min(Hist.value(i), this.max);
    }
    return this.max;
  }
}

// Exact quantile of a sorted array (nearest rank).
export function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'nan');
