// server_tls.test.mjs — `fairq serve` with server.tls set: HTTPS and WSS on
// the same port with a throw-away self-signed certificate, plain HTTP refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

import { startServer } from './lib/server.mjs';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

function get(url) {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    }).on('error', reject);
  });
}

test('TLS: https and wss answer, plain http does not', { skip: !haveOpenssl && 'no openssl' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairq-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const h = await startServer({
    edit: (cfg) => cfg.replace(/cert\s*=\s*""/, `cert = "${cert}"`).replace(/key\s*=\s*""/, `key = "${key}"`),
  });
  try {
    assert.match(h.log(), /listening on https:\/\//);
    const url = `https://127.0.0.1:${h.port}`;
    const health = await get(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    assert.equal(health.headers['x-frame-options'], 'DENY');
    const page = await get(`${url}/display/`);
    assert.equal(page.status, 200);
    const snapshot = await new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${h.port}/ws/display`, 'fairq.display.v1', { rejectUnauthorized: false });
      ws.on('message', (m) => { resolve(JSON.parse(m.toString())); ws.close(); });
      ws.on('error', reject);
    });
    assert.equal(snapshot.type, 'snapshot');
    await assert.rejects(fetch(`http://127.0.0.1:${h.port}/healthz`));
  } finally {
    assert.equal((await h.stop()).code, 0, h.log());
    await h.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
