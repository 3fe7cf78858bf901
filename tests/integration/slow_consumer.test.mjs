// slow_consumer.test.mjs — a lobby screen that stops reading.
//
// The stalled client is tests/tools/ws_stall (a C helper): it sets a small
// SO_RCVBUF before connecting and then reads nothing, so its own kernel
// buffer absorbs only a few kB (an ordinary client on loopback absorbs
// megabytes and the server would never notice). The server caps the send
// buffer of display sockets (ws.c), so the stalled screen's ring fills after
// a few hundred messages and the server drops it: the metric
// fairq_ws_lagging_closed_total counts it, the log says so, and when the
// helper finally reads it finds a contiguous run of messages from its
// snapshot on, then the 4408 close frame, then the end of the stream.
// Meanwhile a normal screen gets every message in order, promptly, and the
// server's RSS stays flat while thousands more broadcasts go out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

import { startServer, api, issue, act, display, seqsContiguous, sleep, SOURCE_DIR } from './lib/server.mjs';

const STALL = process.env.FAIRQ_WS_STALL
  || path.join(path.dirname(process.env.FAIRQ_BIN || path.join(SOURCE_DIR, 'build', 'asan', 'fairq')), 'tests', 'ws_stall');

// The helper as a child process that answers one JSON line per command.
function startStall(h, rcvbuf) {
  const proc = spawn(STALL, ['127.0.0.1', String(h.port), '/ws/display', 'fairq.display.v1', String(rcvbuf)],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let wake = null;
  readline.createInterface({ input: proc.stdout }).on('line', (l) => {
    lines.push(JSON.parse(l));
    if (wake) wake();
  });
  const next = async (timeoutMs = 30000) => {
    const until = Date.now() + timeoutMs;
    while (!lines.length) {
      if (Date.now() > until) throw new Error('ws_stall said nothing');
      await Promise.race([new Promise((r) => { wake = r; }), sleep(200)]);
    }
    return lines.shift();
  };
  return {
    proc,
    next,
    ask: (cmd, timeoutMs) => { proc.stdin.write(`${cmd}\n`); return next(timeoutMs); },
  };
}

function metric(text, name) {
  const m = text.match(new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : undefined;
}

// Like Client.waitFor, but clears its timer (thousands of pending 10 s
// timers would keep the test process alive after the test).
function seqArrives(c, seq, timeoutMs) {
  if (c.messages.some((m) => m.seq === seq)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const w = { pred: (m) => m.seq === seq, resolve: () => { clearTimeout(timer); resolve(); } };
    const timer = setTimeout(() => {
      c.waiters = c.waiters.filter((x) => x !== w);
      reject(new Error(`display seq ${seq} did not arrive in ${timeoutMs} ms`));
    }, timeoutMs);
    c.waiters.push(w);
  });
}

const rssKiB = (pid) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);

test('a screen that never reads is dropped with 4408; the others get everything; memory stays flat', async () => {
  // ASan keeps freed blocks in a quarantine (256 MB by default) that would
  // show as RSS growth; this test measures fairq's memory, not ASan's.
  const saved = process.env.ASAN_OPTIONS;
  process.env.ASAN_OPTIONS = `${saved || 'detect_leaks=1'}:quarantine_size_mb=0:thread_local_quarantine_size_kb=0`;
  const h = await startServer({ synchronous: 'off' });
  process.env.ASAN_OPTIONS = saved;
  if (saved === undefined) delete process.env.ASAN_OPTIONS;
  let stall;
  try {
    stall = startStall(h, 4096);
    const ready = await stall.next();
    assert.equal(ready.ready, true);
    const healthy = await display(h);

    assert.equal((await act(h, '1', 'open')).status, 200);
    assert.equal((await issue(h, 'A', 'regular')).status, 201);
    assert.equal((await act(h, '1', 'next')).status, 200);

    // Each recall is one event and one `call` on the lobby stream; no new
    // ticket, so the engine's state does not grow while we measure.
    let recalls = 0;
    let worstMs = 0;
    const recall = async () => {
      const want = healthy.messages.at(-1).seq + 1;
      const t0 = Date.now();
      const r = await act(h, '1', 'recall');
      assert.equal(r.status, 200, r.text);
      recalls++;
      await seqArrives(healthy, want, 10000);
      worstMs = Math.max(worstMs, Date.now() - t0);
    };

    // Until the server drops the stalled screen (a few hundred messages).
    let dropped = false;
    let metrics = '';
    while (!dropped) {
      for (let i = 0; i < 25; i++) await recall();
      metrics = (await api(h, 'GET', '/metrics')).text;
      dropped = metric(metrics, 'fairq_ws_lagging_closed_total{kind="display"}') === 1;
      assert.ok(recalls < 5000, `the stalled screen was still not dropped after ${recalls} messages`);
    }
    const atDrop = recalls;
    // Only now does the helper read: what reached it, then the close.
    const seen = await stall.ask('drain', 60000);
    assert.ok(seen.messages > 0 && seen.messages < atDrop + 10, JSON.stringify(seen));
    assert.equal(seen.first_seq, healthy.messages[0].seq, 'it started with the snapshot');
    assert.equal(seen.contiguous, true, 'no gap in what it got');
    assert.equal(seen.close_code, 4408, JSON.stringify(seen));
    assert.notEqual(seen.end, 'open', 'the server ended the stream');
    assert.match(h.log(), /display connection 64 messages behind: closing it \(4408\)/);
    if (stall.proc.exitCode === null) await new Promise((r) => stall.proc.once('exit', r));
    assert.equal(stall.proc.exitCode, 0);

    // Thousands more broadcasts: the healthy screen keeps up, RSS is flat.
    for (let i = 0; i < 300; i++) await recall(); // warm-up (SQLite cache, allocator)
    const rss0 = rssKiB(h.proc.pid);
    for (let i = 0; i < 1500; i++) await recall();
    const rss1 = rssKiB(h.proc.pid);
    metrics = (await api(h, 'GET', '/metrics')).text;
    assert.equal(metric(metrics, 'fairq_connections{kind="display"}'), 1, 'only the healthy screen is left');
    assert.ok(seqsContiguous(healthy.messages), 'the healthy screen saw every seq');
    assert.equal(healthy.messages.filter((m) => m.type === 'call').length, recalls + 1);
    assert.ok(rss1 - rss0 < 4096, `RSS grew from ${rss0} to ${rss1} KiB over 1,500 broadcasts`);
    console.log(`# stalled screen dropped after ${atDrop} broadcasts; it had received ${seen.messages} messages`
      + ` (${seen.bytes} bytes); healthy screen: ${healthy.messages.length} messages, worst round trip ${worstMs} ms;`
      + ` RSS ${rss0} -> ${rss1} KiB over 1,500 broadcasts`);
    await healthy.close();
  } finally {
    if (stall && stall.proc.exitCode === null) stall.proc.kill('SIGKILL');
    await h.cleanup();
  }
});
