// server.mjs — start the real `fairq serve` for browser tests.
//
// startFairq() writes a scratch configuration into a fresh temp directory —
// config/fairq.cfg with server.port, server.www, storage.path and
// auth.tokens_file pointed there (and, if asked, every class's
// starvation_limit changed) — starts $FAIRQ_BIN on a free port, waits for
// /healthz, and reads the kiosk/staff/auditor tokens from the tokens file the
// server creates on its first start. The returned handle can kill the
// server (SIGKILL, like a crash) and start it again on the same port and
// database, which is what the reconnect tests need.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.FAIRQ_SOURCE_DIR || path.resolve(HERE, '../../..');
const START_TIMEOUT_MS = 20000; // the sanitizer build starts slowly on a busy machine

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Replaces `re` in `text` (all matches), insisting that it matched: a test
// must not silently run on the default port or the repository's database.
function mustReplace(text, re, replacement, what) {
  if (!re.test(text)) throw new Error(`config/fairq.cfg: cannot find ${what} to override`);
  re.lastIndex = 0;
  return text.replace(re, replacement);
}

function quote(s) {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

// Builds the scratch configuration text from config/fairq.cfg.
export function scratchConfig({ port, dir, starvationLimit, extra }) {
  let cfg = fs.readFileSync(path.join(SOURCE_DIR, 'config', 'fairq.cfg'), 'utf8');
  cfg = mustReplace(cfg, /(\n\s*port\s*=\s*)\d+\s*;/, `$1${port};`, 'server.port');
  cfg = mustReplace(cfg, /(\n\s*listen\s*=\s*)"[^"]*"\s*;/, '$1"127.0.0.1";', 'server.listen');
  cfg = mustReplace(cfg, /(\n\s*www\s*=\s*)"[^"]*"\s*;/, `$1${quote(path.join(SOURCE_DIR, 'display'))};`, 'server.www');
  cfg = mustReplace(cfg, /(\n\s*path\s*=\s*)"[^"]*"\s*;/, `$1${quote(path.join(dir, 'fairq.db'))};`, 'storage.path');
  cfg = mustReplace(cfg, /(\n\s*tokens_file\s*=\s*)"[^"]*"\s*;/, `$1${quote(path.join(dir, 'tokens'))};`, 'auth.tokens_file');
  if (starvationLimit !== undefined) {
    cfg = mustReplace(cfg, /(starvation_limit\s*=\s*)\d+/g, `$1${starvationLimit}`, 'starvation_limit');
  }
  if (extra) cfg = extra(cfg);
  return cfg;
}

function readTokens(file) {
  const tokens = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = line.trim().match(/^(\w+)\s+(\S+)$/);
    if (m && !tokens[m[1]]) tokens[m[1]] = m[2];
  }
  return tokens;
}

async function healthy(url) {
  try {
    const res = await fetch(url + '/healthz');
    return res.status === 200;
  } catch (e) {
    return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts fairq. Options: starvationLimit (seconds, applied to every class),
// extra(cfgText) -> cfgText for further edits. Resolves to a handle:
//   url, port, dir, tokens {kiosk, staff, auditor}, log() (stderr so far),
//   kill() (SIGKILL), restart() (start again, same port and database),
//   stop() (SIGTERM, then clean up the temp directory; throws unless the
//   server exits 0).
export async function startFairq(opts) {
  const o = opts || {};
  const bin = process.env.FAIRQ_BIN && path.resolve(process.env.FAIRQ_BIN); // the server starts in a temp dir
  if (!bin) throw new Error('FAIRQ_BIN is not set (path of the fairq binary)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairq-e2e-'));
  const port = await freePort();
  const cfgPath = path.join(dir, 'fairq.cfg');
  fs.writeFileSync(cfgPath, scratchConfig({ port, dir, starvationLimit: o.starvationLimit, extra: o.extra }));
  const url = `http://127.0.0.1:${port}`;

  const h = { url, port, dir, cfgPath, tokens: {}, proc: null, stderr: '' };

  async function launch() {
    const proc = spawn(bin, ['serve', '--config', cfgPath], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1' }
    });
    h.proc = proc;
    let exited = null;
    proc.stderr.on('data', (d) => {
      h.stderr += d.toString();
      if (h.stderr.length > 200000) h.stderr = h.stderr.slice(-100000);
    });
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`fairq serve exited early (${JSON.stringify(exited)}):\n${h.stderr}`);
      if (await healthy(url)) {
        h.tokens = readTokens(path.join(dir, 'tokens'));
        return;
      }
      await sleep(100);
    }
    proc.kill('SIGKILL');
    throw new Error(`fairq serve did not answer /healthz within ${START_TIMEOUT_MS} ms:\n${h.stderr}`);
  }

  function waitExit(proc, ms) {
    return new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  h.log = () => h.stderr;
  h.kill = async () => {
    const p = h.proc;
    if (!p) return;
    p.kill('SIGKILL');
    await waitExit(p, 5000);
    h.proc = null;
  };
  h.restart = async () => {
    if (h.proc) await h.kill();
    await launch();
  };
  h.stop = async () => {
    const p = h.proc;
    h.proc = null;
    if (p) {
      p.kill('SIGTERM');
      if (!(await waitExit(p, 8000))) {
        p.kill('SIGKILL');
        await waitExit(p, 2000);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    // A clean shutdown is exit 0; in the sanitizer build that also means
    // LeakSanitizer, ASan and UBSan reported nothing while the pages ran.
    if (p && p.exitCode !== 0) {
      throw new Error(`fairq serve did not shut down cleanly (${p.exitCode ?? p.signalCode}):\n${h.stderr.slice(-4000)}`);
    }
    return p ? { code: p.exitCode, signal: p.signalCode } : null;
  };

  try {
    await launch();
  } catch (e) {
    if (h.proc) h.proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return h;
}

// Small JSON client for the API, for setting up what the pages should show.
export async function api(server, method, p, body, token) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(server.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  return { status: res.status, body: json, text };
}

// Issues a ticket; staff may issue any class, kiosks only kiosk classes.
export async function issue(server, service, klass, reason, role) {
  const body = { service, class: klass };
  if (reason) body.reason = reason;
  const r = await api(server, 'POST', '/api/v1/tickets', body, server.tokens[role || 'staff']);
  if (r.status !== 201) throw new Error(`issue ${service}/${klass}: ${r.status} ${r.text}`);
  return r.body;
}

// POST /api/v1/counters/{cid}/{action} with the staff token; throws unless 2xx.
export async function counter(server, cid, action, body) {
  const r = await api(server, 'POST', `/api/v1/counters/${cid}/${action}`, body || {}, server.tokens.staff);
  if (r.status < 200 || r.status > 299) throw new Error(`${action} at counter ${cid}: ${r.status} ${r.text}`);
  return r.body;
}
