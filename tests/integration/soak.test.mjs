// soak.test.mjs — two minutes of steady mixed load on the real server (the
// CI's sanitizer build) with 200 lobby screens attached, by the load
// generator (tests/load/loadgen.mjs): issue of every class, next, recall,
// no-show, start, complete, transfer, manual call, cancel.
//
// It must show:
//   - nothing lost: every screen got every call, seq without gaps, no
//     socket closed by the server; no request failed other than an expected
//     409 (a cancel or manual call that lost a race);
//   - every ticket that got a 201 is in the audit log;
//   - memory flat: after a warm-up, RSS grows by less than a small margin
//     plus what the day's retained tickets need (the server keeps finished
//     tickets until the day ends, by design), and the second half of the run
//     grows no more than the first half plus the margin (a leak per
//     operation grows both halves alike and crosses the budget);
//   - descriptors back to their idle count once the screens leave;
//   - a clean shutdown, which under ASan includes LeakSanitizer.
// ASan's quarantine keeps freed memory out of reuse (256 MiB by default),
// which would look like growth: the server here runs with a small one.
// FAIRQ_SOAK_SECONDS changes the duration (the hour-long soak is
// `node tests/load/loadgen.mjs --duration 3600`, docs/operations.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BIN } from './lib/server.mjs';
import { runLoad } from '../load/loadgen.mjs';

const SECONDS = Number(process.env.FAIRQ_SOAK_SECONDS || 120);
const WARMUP = Math.round(SECONDS / 4);
const MARGIN_MIB = 3;          // allocator and SQLite page-cache noise
const PER_TICKET_BYTES = 1024; // retained ticket, id map, derived rows: generous

test(`soak: ${SECONDS} s of mixed load with 200 screens keeps memory and fds flat and loses nothing`,
  { timeout: (SECONDS + 240) * 1000 }, async () => {
    const asan = `${process.env.ASAN_OPTIONS || 'detect_leaks=1'}:quarantine_size_mb=8:thread_local_quarantine_size_kb=256`;
    const lines = [];
    const { summary: s, samples, exit } = await runLoad({
      bin: BIN, clients: 200, duration: SECONDS, rate: 40, sample: 5, warmup: WARMUP, verify: true,
      asanOptions: asan, log: (l) => { lines.push(l); console.log(l); },
    });
    const info = JSON.stringify({ ...s, verify: s.verify }, null, 1);

    assert.equal(exit.code, 0, `server exit status (ASan/LSan report?):\n${exit.log}`);
    assert.ok(s.ops > SECONDS * 5, `too few operations to mean anything: ${s.ops}\n${info}`);
    for (const k of ['issue', 'next', 'recall', 'no-show', 'start', 'complete', 'transfer']) {
      assert.ok(s.count[k] > 0, `no ${k} in the mix\n${info}`);
    }
    assert.equal(s.errors, 0, `failed requests, last: ${s.lastError}`);
    assert.ok(s.calls > 0 && s.deliveries === s.calls * 200, info);
    assert.equal(s.lost, 0, `lost display messages\n${info}`);
    assert.equal(s.verify.missing, 0, `acknowledged tickets missing from the log: ${s.verify.first_missing}`);

    const warm = samples.find((x) => x.t >= WARMUP);
    const mid = samples.find((x) => x.t >= (WARMUP + SECONDS) / 2);
    const end = samples[samples.length - 1];
    const ticketsMiB = (s.tickets * PER_TICKET_BYTES) / (1024 * 1024);
    const growth = end.rss_mib - warm.rss_mib;
    const first = mid.rss_mib - warm.rss_mib;
    const second = end.rss_mib - mid.rss_mib;
    console.log(`RSS MiB: warm ${warm.rss_mib.toFixed(1)} mid ${mid.rss_mib.toFixed(1)} end ${end.rss_mib.toFixed(1)};`
      + ` growth ${growth.toFixed(2)} (halves ${first.toFixed(2)} / ${second.toFixed(2)}),`
      + ` budget ${(MARGIN_MIB + ticketsMiB).toFixed(2)} for ${s.tickets} tickets`);
    assert.ok(growth <= MARGIN_MIB + ticketsMiB, `RSS grew ${growth.toFixed(2)} MiB after warm-up\n${lines.join('\n')}`);
    assert.ok(second <= first + MARGIN_MIB, `RSS growth speeds up: ${first.toFixed(2)} then ${second.toFixed(2)} MiB\n${lines.join('\n')}`);

    assert.ok(s.fds_connected >= s.fds_idle + 200, info);
    assert.ok(s.fds_after <= s.fds_idle, `fds ${s.fds_idle} idle, ${s.fds_after} after the screens left`);
    for (const x of samples) assert.ok(x.fds <= s.fds_connected + 20, `fds grew during the run: ${x.fds}`);
  });
