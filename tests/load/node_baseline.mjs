// node_baseline.mjs — the baseline for the fan-out benchmark: a small
// Node.js `ws` server that makes fairq's promise for the two requests the
// benchmark sends, and nothing more.
//
//   POST /api/v1/tickets               append a record, fsync, answer 201,
//                                      broadcast {"type":"waiting"}
//   POST /api/v1/counters/{cid}/open   200 (counters are always open here)
//   POST /api/v1/counters/{cid}/next   append a record, fsync, answer,
//                                      broadcast {"type":"call"} then
//                                      {"type":"waiting"}
//   /ws/display (fairq.display.v1)     a snapshot on connect, then the
//                                      broadcasts
//
// The promise: nothing is answered or broadcast before the record is on
// disk (fs.fdatasyncSync on the log file, which blocks the event loop as
// fairq's single-threaded commit does). The messages have the same keys and
// the same order as fairq's (docs/protocol.md), so each client parses the
// same bytes. Every broadcast is serialised once and sent to each socket
// with ws.send, no permessage-deflate. POSTs need `Authorization: Bearer
// TOKEN` (TOKEN from --token).
//
// Usage: node node_baseline.mjs --log FILE --token TOKEN [--port 0]
// Prints "listening on http://127.0.0.1:PORT/" once it listens.

import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const { values: opt } = parseArgs({
  options: {
    log: { type: 'string' },
    token: { type: 'string' },
    port: { type: 'string', default: '0' },
  },
});
if (!opt.log || !opt.token) {
  console.error('usage: node node_baseline.mjs --log FILE --token TOKEN [--port N]');
  process.exit(2);
}

const fd = fs.openSync(opt.log, 'a');
const day = new Date().toISOString().slice(0, 10);
const waiting = []; // numbers, FIFO
const counters = new Map(); // cid -> number being called
const recent = []; // last calls, newest first, for the snapshot
let issued = 0;
let seq = 0;

function durable(record) {
  fs.writeSync(fd, `${JSON.stringify(record)}\n`);
  fs.fdatasyncSync(fd); // what SQLite's FULL commit in WAL mode calls
}

const server = http.createServer();
const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has('fairq.display.v1') ? 'fairq.display.v1' : false),
});

server.on('upgrade', (req, socket, head) => {
  if (req.url !== '/ws/display') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => {});
    ws.send(JSON.stringify({ type: 'snapshot', seq, day, calls: recent, waiting: waiting.length }));
  });
});

function broadcast({ type, ...rest }) {
  seq++;
  const text = JSON.stringify({ type, seq, ...rest });
  for (const ws of wss.clients) if (ws.readyState === 1) ws.send(text);
}

function reply(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(req, res, body) {
  if (req.headers.authorization !== `Bearer ${opt.token}`) {
    return reply(res, 401, { error: { code: 'unauthorized', message: 'a token is required' } });
  }
  const now = new Date().toISOString();
  if (req.method === 'POST' && req.url === '/api/v1/tickets') {
    let service = 'A';
    try { service = JSON.parse(body || '{}').service || 'A'; } catch { /* defaults */ }
    const number = `${service}${String(++issued).padStart(3, '0')}`;
    durable({ ev: 'issued', number, at: now });
    waiting.push(number);
    reply(res, 201, { id: `${number}-id`, number, service, issued_at: now, estimated_wait_s: 0 });
    broadcast({ type: 'waiting', waiting: waiting.length });
    return undefined;
  }
  const m = req.method === 'POST' && req.url.match(/^\/api\/v1\/counters\/([^/]+)\/(open|next)$/);
  if (!m) return reply(res, 404, { error: { code: 'not_found', message: 'no such path' } });
  const [, cid, action] = m;
  if (action === 'open') return reply(res, 200, { counter: { id: cid, state: 'open' } });
  const number = waiting.shift();
  if (!number) return reply(res, 200, { ticket: null });
  durable({ ev: 'called', number, counter: cid, at: now });
  counters.set(cid, number);
  recent.unshift({ number, counter: cid, at: now });
  if (recent.length > 6) recent.pop();
  reply(res, 200, { ticket: { number, status: 'called', counter: cid, called_at: now } });
  // The same two messages, in the same order, as fairq sends for a `next`.
  broadcast({ type: 'call', number, counter: cid, at: now, recall: false });
  broadcast({ type: 'waiting', waiting: waiting.length });
  return undefined;
}

server.on('request', (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => handle(req, res, Buffer.concat(chunks).toString()));
});

server.listen(Number(opt.port), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    for (const ws of wss.clients) ws.terminate();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
