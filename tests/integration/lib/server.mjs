// server.mjs — run the real `fairq serve` for integration tests.
//
// A server gets a scratch directory with its own config (config/fairq.cfg
// with the listening port set to 0 and every path pointed into the scratch
// directory, plus the test's overrides), database and tokens file. The port
// the kernel picked is read from the "listening on" log line; the tokens
// from the file the server creates on first start. Handles can stop the
// server (SIGTERM), crash it (SIGKILL) and start it again on the same
// directory, and start a second process on the same database.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.FAIRQ_SOURCE_DIR || path.resolve(HERE, '../../..');
export const BIN = path.resolve(process.env.FAIRQ_BIN || path.join(SOURCE_DIR, 'build', 'asan', 'fairq'));
const START_TIMEOUT_MS = 30000; // sanitizer builds start slowly on a busy machine

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function quote(s) {
  return '"' + String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

// Replaces the first match of re, insisting it matched: a test must never
// run on the default port or the repository's own database by accident.
function replaceOrThrow(text, re, replacement, what) {
  if (!re.test(text)) throw new Error(`config/fairq.cfg: no ${what} to override`);
  return text.replace(re, replacement);
}

// Replaces a whole top-level setting `name = ... ;` (a group or list that may
// span lines) by `name = value;`.
export function replaceTopLevel(text, name, value) {
  const start = text.search(new RegExp(`^${name}\\s*=`, 'm'));
  if (start < 0) return `${text}\n${name} = ${value};\n`;
  let i = text.indexOf('=', start) + 1;
  let depth = 0;
  let inStr = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '#') i = text.indexOf('\n', i);
    else if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
    else if (c === ';' && depth === 0) break;
    if (i < 0) break;
  }
  return `${text.slice(0, start)}${name} = ${value};${text.slice(i + 1)}`;
}

// The scratch config text. Options:
//   starvationLimit: seconds for every class
//   policy: scheduler policy
//   limits: { body_bytes, ws_message_bytes, max_connections, connections_per_address, kiosk_tickets_per_minute }
//   synchronous: storage.synchronous
//   edit(text): any further change
export function makeConfig(dir, opts = {}) {
  let cfg = fs.readFileSync(path.join(SOURCE_DIR, 'config', 'fairq.cfg'), 'utf8');
  cfg = replaceOrThrow(cfg, /(\n\s*port\s*=\s*)\d+\s*;/, '$10;', 'server.port');
  cfg = replaceOrThrow(cfg, /(\n\s*listen\s*=\s*)"[^"]*"\s*;/, '$1"127.0.0.1";', 'server.listen');
  cfg = replaceOrThrow(cfg, /(\n\s*www\s*=\s*)"[^"]*"\s*;/, `$1${quote(path.join(SOURCE_DIR, 'display'))};`, 'server.www');
  cfg = replaceOrThrow(cfg, /(\n\s*path\s*=\s*)"[^"]*"\s*;/, `$1${quote(path.join(dir, 'var', 'fairq.db'))};`, 'storage.path');
  cfg = replaceOrThrow(cfg, /(\n\s*tokens_file\s*=\s*)"[^"]*"\s*;/, `$1${quote(path.join(dir, 'var', 'tokens'))};`, 'auth.tokens_file');
  if (opts.synchronous) {
    cfg = replaceOrThrow(cfg, /(\n\s*synchronous\s*=\s*)"[^"]*"\s*;/, `$1${quote(opts.synchronous)};`, 'storage.synchronous');
  }
  if (opts.starvationLimit !== undefined) {
    cfg = replaceOrThrow(cfg, /(starvation_limit\s*=\s*)\d+/, `$1${opts.starvationLimit}`, 'starvation_limit');
    cfg = cfg.replace(/(starvation_limit\s*=\s*)\d+/g, `$1${opts.starvationLimit}`);
  }
  if (opts.policy) {
    cfg = replaceOrThrow(cfg, /(\n\s*policy\s*=\s*)"[^"]*"\s*;/, `$1${quote(opts.policy)};`, 'scheduler.policy');
  }
  if (opts.limits) {
    const l = {
      body_bytes: 16384, ws_message_bytes: 4096, max_connections: 4096,
      connections_per_address: 0, kiosk_tickets_per_minute: 60, ...opts.limits,
    };
    const body = Object.entries(l).map(([k, v]) => `${k} = ${v};`).join(' ');
    cfg = replaceTopLevel(cfg, 'limits', `{ ${body} }`);
  }
  if (opts.edit) cfg = opts.edit(cfg);
  return cfg;
}

function readTokens(file) {
  const tokens = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^\s*(kiosk|staff|auditor)\s+(\S+)\s*$/);
    if (m && !tokens[m[1]]) tokens[m[1]] = m[2];
  }
  return tokens;
}

// Spawns `fairq serve` in dir; resolves when it logs its port (or rejects
// with its log when it exits first).
function spawnServer(dir, cfgPath) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve', '--config', cfgPath], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1' },
    });
    const log = { text: '' };
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      proc.kill('SIGKILL');
      reject(new Error(`fairq serve did not start in time:\n${log.text}`));
    }, START_TIMEOUT_MS);
    const onData = (d) => {
      log.text += d.toString();
      const m = log.text.match(/fairq: listening on (https?):\/\/([^:/]+):(\d+)\//);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({ proc, log, port: Number(m[3]) });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code, signal) => {
      log.exit = { code, signal };
      if (!done) {
        done = true;
        clearTimeout(timer);
        const err = new Error(`fairq serve exited (${code ?? signal}) before listening:\n${log.text}`);
        err.code = code;
        err.log = log.text;
        reject(err);
      }
    });
  });
}

function exited(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  }
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}

// Starts a server in a fresh scratch directory. Returns a handle:
//   url, port, dir, cfgPath, tokens {kiosk, staff, auditor}, log()
//   stop()    SIGTERM, resolves to {code, signal}
//   kill()    SIGKILL (a crash)
//   restart() start again on the same directory (new port)
export async function startServer(opts = {}) {
  const dir = opts.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'fairq-it-'));
  const cfgPath = path.join(dir, 'fairq.cfg');
  if (!opts.dir || !fs.existsSync(cfgPath)) fs.writeFileSync(cfgPath, makeConfig(dir, opts));
  const h = { dir, cfgPath, opts };
  h.start = async () => {
    const { proc, log, port } = await spawnServer(dir, cfgPath);
    Object.assign(h, { proc, logState: log, port, url: `http://127.0.0.1:${port}` });
    h.tokens = readTokens(path.join(dir, 'var', 'tokens'));
    return h;
  };
  h.log = () => h.logState.text;
  h.stop = async () => {
    if (h.proc.exitCode === null && h.proc.signalCode === null) h.proc.kill('SIGTERM');
    return exited(h.proc);
  };
  h.kill = async () => {
    if (h.proc.exitCode === null && h.proc.signalCode === null) h.proc.kill('SIGKILL');
    return exited(h.proc);
  };
  h.restart = async () => {
    await h.stop();
    return h.start();
  };
  // Stops the server and removes its directory. A server still running here
  // must shut down cleanly: exit 0, which in the sanitizer build also means
  // LeakSanitizer found no leak and UBSan/ASan reported nothing. (A server
  // the test already crashed or stopped keeps the status it had.)
  h.cleanup = async () => {
    const running = h.proc && h.proc.exitCode === null && h.proc.signalCode === null;
    const st = await h.stop();
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
    if (running && st.code !== 0) {
      throw new Error(`fairq serve did not shut down cleanly (${st.code ?? st.signal}):\n${h.log().slice(-4000)}`);
    }
  };
  return h.start();
}

// Runs a second `fairq serve` on the same config; resolves with its exit
// status and log (it is expected to refuse).
export function runSecond(h, timeoutMs = 20000) {
  return new Promise((resolve) => {
    const proc = spawn(BIN, ['serve', '--config', h.cfgPath], { cwd: h.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    proc.stdout.on('data', (d) => { text += d; });
    proc.stderr.on('data', (d) => { text += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, log: text });
    });
  });
}

// One HTTP request. body: object (sent as JSON) or string/Buffer (sent as is).
// Returns {status, headers, text, json}.
export async function api(h, method, urlPath, { token, body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.body = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (!init.headers['content-type']) init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(h.url + urlPath, init);
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

export const issue = (h, service, klass, reason, role = 'staff') =>
  api(h, 'POST', '/api/v1/tickets', {
    token: h.tokens[role],
    body: { service, ...(klass ? { class: klass } : {}), ...(reason ? { reason } : {}) },
  });

export const act = (h, counter, action, body) =>
  api(h, 'POST', `/api/v1/counters/${counter}/${action}`, { token: h.tokens.staff, body: body ?? {} });

export const queue = async (h) => (await api(h, 'GET', '/api/v1/queue', { token: h.tokens.staff })).json;

export async function auditEvents(h, after = 0, limit = 10000) {
  const r = await api(h, 'GET', `/api/v1/audit/events?after=${after}&limit=${limit}`, { token: h.tokens.auditor });
  if (r.status !== 200) throw new Error(`audit/events: ${r.status} ${r.text}`);
  return r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

// A WebSocket client that records every message (parsed, with its raw text)
// and lets a test wait for one that matches.
export class Client {
  constructor(h, urlPath, protocol) {
    this.messages = [];
    this.waiters = [];
    this.ws = new WebSocket(`ws://127.0.0.1:${h.port}${urlPath}`, protocol);
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeCode = code;
        resolve({ code, reason: reason.toString() });
      });
    });
    this.ws.on('message', (data) => {
      const raw = data.toString();
      const msg = JSON.parse(raw);
      msg.raw = raw;
      this.messages.push(msg);
      this.waiters = this.waiters.filter((w) => {
        if (w.pred(msg)) { w.resolve(msg); return false; }
        return true;
      });
    });
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('unexpected-response', (req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
  }

  // The first recorded message matching pred, or the next to arrive.
  waitFor(pred, timeoutMs = 5000, what = 'message') {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.raw))}`));
      }, timeoutMs);
    });
  }

  send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }
  close() { this.ws.close(); return this.closed; }
}

export async function display(h) {
  const c = new Client(h, '/ws/display', 'fairq.display.v1');
  await c.opened;
  await c.waitFor((m) => m.type === 'snapshot', 5000, 'display snapshot');
  return c;
}

export async function staff(h, token = h.tokens.staff) {
  const c = new Client(h, '/ws/staff', 'fairq.staff.v1');
  await c.opened;
  c.send({ type: 'auth', token });
  await c.waitFor((m) => m.type === 'snapshot', 5000, 'staff snapshot');
  return c;
}

// Every message's seq grows by exactly one.
export function seqsContiguous(messages) {
  for (let i = 1; i < messages.length; i++) {
    if (messages[i].seq !== messages[i - 1].seq + 1) return false;
  }
  return true;
}
