// server_input.test.mjs — bad input against the real `fairq serve`.
//
// Malformed JSON, wrong types, unknown fields, oversized bodies (by
// Content-Length and by bytes sent), deep nesting, invalid UTF-8, unknown ids,
// wrong states, wrong methods, missing Content-Length and path traversal on
// the pages (raw paths, so nothing normalises them on the way): each gets a
// clear JSON error, nothing reaches the event log, and /healthz stays ok.
// Also the kiosk rate limit (429) and the connection limits.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { startServer, api, issue, act, auditEvents, display, Client } from './lib/server.mjs';

let srv;

before(async () => {
  srv = await startServer({ limits: { kiosk_tickets_per_minute: 5, body_bytes: 2048 } });
});

after(async () => {
  if (srv) {
    const { code } = await srv.stop();
    assert.equal(code, 0, `server exit status, log:\n${srv.log()}`);
    await srv.cleanup();
  }
});

// Sends raw bytes, returns {status, headers, body} of the first response.
function raw(request) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = Buffer.alloc(0);
    sock.on('data', (d) => {
      data = Buffer.concat([data, d]);
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = text.match(/content-length: (\d+)/i);
      const len = m ? Number(m[1]) : 0;
      if (data.length >= end + 4 + len) {
        sock.destroy();
        resolve({
          status: Number(text.slice(9, 12)),
          head: text.slice(0, end),
          body: data.subarray(end + 4, end + 4 + len).toString('utf8'),
        });
      }
    });
    sock.on('error', reject);
    sock.on('close', () => reject(new Error(`closed without a full response: ${data}`)));
    sock.write(request);
  });
}

function clearError(r, status, code) {
  const body = r.json ?? JSON.parse(r.body);
  assert.equal(r.status, status, JSON.stringify(body));
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 3);
  if (code) assert.equal(body.error.code, code, JSON.stringify(body));
}

async function eventCount() {
  return (await auditEvents(srv)).length;
}

test('bad bodies get a clear 400 and change nothing', async () => {
  const events = await eventCount();
  const post = (body, headers) => api(srv, 'POST', '/api/v1/tickets', { token: srv.tokens.staff, body, headers });
  clearError(await post('{"service": "A",'), 400, 'invalid_json');
  clearError(await post('not json'), 400, 'invalid_json');
  clearError(await post('[1, 2]'), 400, 'bad_request');
  clearError(await post(''), 400, 'bad_request');
  clearError(await post({ service: 7 }), 400, 'invalid_type');
  clearError(await post({ service: 'A', class: ['vip'] }), 400);
  clearError(await post({ service: 'A', class: 'regular', colour: 'red' }), 400, 'unknown_field');
  clearError(await post('{"service":"A","service":"B"}'), 400, 'invalid_json');
  clearError(await post({ class: 'regular' }), 400, 'missing_field');
  clearError(await post({ service: 'Q', class: 'regular' }), 400, 'unknown_service');
  clearError(await post({ service: 'A', class: 'gold' }), 400, 'unknown_class');
  clearError(await post({ service: 'A', class: 'regular', reason: 'elderly' }), 400, 'unknown_reason');
  clearError(await post({ service: 'A', class: 'priority', reason: 'tall' }), 400, 'unknown_reason');
  clearError(await post({ service: 'A'.repeat(40) }), 400, 'too_long');
  clearError(await post('{"service":"A","class":{"a":{"b":{"c":{"d":1}}}}}'), 400, 'too_deep');
  clearError(await post('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'), 400, 'too_deep');
  clearError(await post(Buffer.from([0x7b, 0x22, 0x73, 0x65, 0x72, 0x76, 0x69, 0x63, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])), 400, 'invalid_utf8');
  clearError(await post(Buffer.from('{"service":"\xed\xa0\x80"}', 'latin1')), 400, 'invalid_utf8');
  clearError(await post('{"service":"A\\u0000"}'), 400);
  const counter = (body) => act(srv, '1', 'open', undefined).then(() => api(srv, 'POST', '/api/v1/counters/1/call', { token: srv.tokens.staff, body }));
  clearError(await counter({ number: 'A001' }), 400, 'missing_field');
  clearError(await counter({ number: 'A001', reason: '   ' }), 400, 'invalid_value');
  clearError(await counter({ number: 'A001', reason: 'x'.repeat(121) }), 400, 'too_long');
  clearError(await counter({ number: 'A001', reason: 'line\nbreak' }), 400, 'invalid_value');
  clearError(await counter({ number: 'ZZZ', reason: 'ok' }), 400, 'invalid_number');
  clearError(await api(srv, 'POST', '/api/v1/counters/1/next', { token: srv.tokens.staff, body: { please: true } }), 400, 'unknown_field');
  // Only the counter-1 open above was a real change.
  assert.equal(await eventCount(), events + 1);
  assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
});

test('oversized bodies get 413, announced or sent; a POST without Content-Length gets 411', async () => {
  const events = await eventCount();
  const big = JSON.stringify({ service: 'A', class: 'x'.repeat(3000) });
  clearError(await api(srv, 'POST', '/api/v1/tickets', { token: srv.tokens.staff, body: big }), 413, 'payload_too_large');
  // Header announces a large body: refused before it is read.
  const r = await raw(`POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.staff}\r\n` +
    `Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{"service":`);
  clearError(r, 413, 'payload_too_large');
  // No Content-Length on a POST.
  const r2 = await raw(`POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.tokens.staff}\r\n\r\n`);
  clearError(r2, 411, 'length_required');
  assert.equal(await eventCount(), events);
  assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
});

test('unknown ids 404, wrong states 409, wrong methods 405', async () => {
  const events = await eventCount();
  clearError(await api(srv, 'GET', '/api/v1/tickets/0123456789abcdef0123456789abcdef'), 404, 'not_found');
  clearError(await api(srv, 'GET', '/api/v1/tickets/not-an-id'), 404, 'not_found');
  clearError(await api(srv, 'DELETE', '/api/v1/tickets/0123456789ABCDEF0123456789ABCDEF'), 404, 'not_found');
  clearError(await api(srv, 'GET', '/api/v1/tickets/0123456789abcdef0123456789abcdef/qr.svg'), 404, 'not_found');
  clearError(await api(srv, 'GET', '/api/v1/nothing'), 404, 'not_found');
  clearError(await act(srv, '77', 'open'), 404, 'not_found');
  clearError(await act(srv, '3', 'recall'), 409, 'conflict');
  clearError(await act(srv, '3', 'close'), 409, 'conflict');
  clearError(await api(srv, 'GET', '/api/v1/tickets', { token: srv.tokens.staff }), 405, 'method_not_allowed');
  clearError(await api(srv, 'PUT', '/api/v1/tickets', { token: srv.tokens.staff, body: {} }), 405, 'method_not_allowed');
  clearError(await api(srv, 'DELETE', '/api/v1/queue', { token: srv.tokens.staff }), 405, 'method_not_allowed');
  const m = await api(srv, 'GET', '/api/v1/counters/1/next', { token: srv.tokens.staff });
  clearError(m, 405, 'method_not_allowed');
  assert.equal(m.headers.get('allow'), 'POST');
  clearError(await api(srv, 'GET', '/api/v1/audit/events?limit=0', { token: srv.tokens.auditor }), 400);
  clearError(await api(srv, 'GET', '/api/v1/audit/events?after=x', { token: srv.tokens.auditor }), 400);
  assert.equal(await eventCount(), events);
});

test('path traversal on the pages never leaves www', async () => {
  for (const p of ['/../../../../etc/passwd', '/display/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
    '/display/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', '/t/..%2f..%2f..%2fetc%2fpasswd',
    '/..%5c..%5cetc%5cpasswd', '/.git/config', '/display/.%2e/.%2e/CMakeLists.txt', '/%00/etc/passwd']) {
    const r = await raw(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`).catch((e) => ({ status: 0, body: String(e) }));
    assert.ok(!/root:|cmake_minimum_required|\[core\]/.test(r.body), `${p} leaked: ${r.body.slice(0, 80)}`);
    assert.ok([400, 404].includes(r.status), `${p}: ${r.status}`);
    clearError(r, r.status);
  }
  assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
});

test('the kiosk rate limit answers 429; staff are not limited', async () => {
  let limited = 0;
  for (let i = 0; i < 8; i++) {
    const r = await issue(srv, 'A', 'regular', null, 'kiosk');
    if (r.status === 429) {
      limited++;
      clearError(r, 429, 'too_many_requests');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    } else {
      assert.equal(r.status, 201, r.text);
    }
  }
  assert.equal(limited, 3, 'five per minute, then 429');
  for (let i = 0; i < 8; i++) assert.equal((await issue(srv, 'A', 'regular', null, 'staff')).status, 201);
});

test('connection limits: per address and in all', async () => {
  const h = await startServer({ limits: { connections_per_address: 3 } });
  try {
    const open = [await display(h), await display(h), await display(h)];
    const fourth = new Client(h, '/ws/display', 'fairq.display.v1');
    await assert.rejects(fourth.opened, 'a fourth connection from the same address is refused');
    await open[0].close();
    await new Promise((r) => setTimeout(r, 200));
    const again = await display(h);
    await again.close();
    for (const c of open.slice(1)) await c.close();
  } finally {
    await h.stop();
    await h.cleanup();
  }
  const g = await startServer({ limits: { max_connections: 16 } });
  try {
    const open = [];
    for (let i = 0; i < 16; i++) open.push(await display(g));
    const extra = new Client(g, '/ws/display', 'fairq.display.v1');
    await assert.rejects(extra.opened);
    for (const c of open) await c.close();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await api(g, 'GET', '/healthz')).status, 200);
  } finally {
    assert.equal((await g.stop()).code, 0, g.log());
    await g.cleanup();
  }
});
