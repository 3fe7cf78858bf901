// simulate.test.mjs — `fairq simulate` as a user runs it: the real binary on
// a fixture branch, in every output format; exit status 2 on bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BIN = process.env.FAIRQ_BIN;
const SRC = process.env.FAIRQ_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
const FIX = path.join(SRC, 'tests/fixtures/sim');
const BRANCH = path.join(FIX, 'branch.cfg');

function run(...args) {
  const r = spawnSync(BIN, ['simulate', ...args], { encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const TOP_KEYS = ['policy', 'seed', 'replications', 'hours', 'utilization', 'classes', 'fairness'];
const CLASS_KEYS = ['id', 'served', 'wait_mean_s', 'wait_mean_ci95_s', 'wait_p50_s', 'wait_p90_s',
  'wait_p95_s', 'wait_max_s', 'over_target_pct', 'starvation_breaches'];

test('FAIRQ_BIN is set', () => {
  assert.ok(BIN, 'FAIRQ_BIN must point at the fairq binary');
});

test('json: exactly the SPEC keys, sane values', () => {
  const r = run('--config', BRANCH, '--format', 'json', '--seed', '7', '--replications', '5', '--hours', '50');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.equal(r.out.trim().split('\n').length, 1, 'one object on one line');
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), TOP_KEYS);
  assert.equal(j.policy, 'accumulating'); // the config's
  assert.equal(j.seed, 7);
  assert.equal(j.replications, 5);
  assert.equal(j.hours, 50);
  assert.ok(j.utilization > 0.6 && j.utilization < 0.95, `utilization ${j.utilization}`);
  assert.deepEqual(Object.keys(j.fairness), ['jain_index']);
  assert.ok(j.fairness.jain_index > 0 && j.fairness.jain_index <= 1);
  assert.deepEqual(j.classes.map((c) => c.id), ['vip', 'priority', 'regular']);
  for (const c of j.classes) {
    assert.deepEqual(Object.keys(c), CLASS_KEYS);
    assert.ok(Number.isInteger(c.served) && c.served > 0);
    assert.ok(Number.isInteger(c.starvation_breaches) && c.starvation_breaches >= 0);
    assert.ok(c.wait_mean_s >= 0 && c.wait_mean_ci95_s > 0);
    assert.ok(c.wait_p50_s <= c.wait_p90_s && c.wait_p90_s <= c.wait_p95_s && c.wait_p95_s <= c.wait_max_s, JSON.stringify(c));
    assert.ok(c.wait_mean_s <= c.wait_max_s);
    assert.ok(c.over_target_pct >= 0 && c.over_target_pct <= 100);
  }
  // Rates in the fixture: regular 17.5/h, priority 4/h, vip 1.5/h over 49
  // measured hours x 5 replications, less about 5% no-shows.
  const regular = j.classes[2].served;
  const expected = 17.5 * 49 * 5 * 0.95;
  assert.ok(Math.abs(regular - expected) < 0.1 * expected, `regular served ${regular}, ~${expected}`);
});

test('the same seed prints byte-identical output; another seed does not', () => {
  const a = run('--config', BRANCH, '--format', 'json', '--seed', '3', '--replications', '3');
  const b = run('--config', BRANCH, '--format', 'json', '--seed', '3', '--replications', '3');
  const c = run('--config', BRANCH, '--format', 'json', '--seed', '4', '--replications', '3');
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, b.out);
  assert.notEqual(a.out, c.out);
});

test('--policy overrides the config; strict favours vip over regular', () => {
  const r = run('--config', BRANCH, '--format', 'json', '--policy', 'strict', '--hours', '200', '--replications', '4');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.policy, 'strict');
  assert.ok(j.classes[0].wait_mean_s < j.classes[2].wait_mean_s, JSON.stringify(j.classes));
});

test('csv: a header and one row per class', () => {
  const r = run('--config', BRANCH, '--format', 'csv', '--policy', 'fifo', '--replications', '2');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines[0], 'policy,class,served,wait_mean_s,wait_mean_ci95_s,wait_p50_s,wait_p90_s,wait_p95_s,wait_max_s,over_target_pct,starvation_breaches');
  assert.equal(lines.length, 4);
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.deepEqual(rows.map((row) => [row[0], row[1]]), [['fifo', 'vip'], ['fifo', 'priority'], ['fifo', 'regular']]);
  for (const row of rows) {
    assert.equal(row.length, header.length);
    for (const v of row.slice(2)) assert.ok(Number.isFinite(Number(v)), `${v} in ${row}`);
  }
});

test('text: a readable table naming every class', () => {
  const r = run('--config', BRANCH, '--replications', '2');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^policy accumulating, seed 1, 2 replications of 10\.0 h \(warm-up 1\.0 h\), 3 counters\n/);
  assert.match(r.out, /utilization 0\.\d+/);
  for (const id of ['vip', 'priority', 'regular']) assert.match(r.out, new RegExp(`^${id} +\\d+ `, 'm'));
});

test('--help explains the command and exits 0', () => {
  const r = run('--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /^usage: fairq simulate --config F/);
  assert.match(r.out, /--replications R/);
});

test('usage errors exit 2 with a message', () => {
  const cases = [
    [['--config', BRANCH, '--policy', 'lottery'], /unknown policy 'lottery'/],
    [[], /--config F is required/],
    [['--config', BRANCH, '--format', 'xml'], /--format is text, json or csv/],
    [['--config', BRANCH, '--replications', '0'], /--replications wants 1\.\.100000/],
    [['--config', BRANCH, '--seed', '-1'], /--seed wants a number/],
    [['--config', BRANCH, '--hours', 'abc'], /--hours wants a positive number/],
    [['--config', BRANCH, '--hours', '0.5'], /hours must be more than simulation\.warmup_hours/],
    [['--config', BRANCH, '--bogus'], /unknown argument '--bogus'/],
    [['--config'], /--config needs a value/],
  ];
  for (const [args, re] of cases) {
    const r = run(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.out, '');
    assert.match(r.err, re);
  }
});

test('a missing or invalid config exits 2 and says why', () => {
  const missing = path.join(FIX, 'does-not-exist.cfg');
  let r = run('--config', missing);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.ok(r.err.includes(missing), r.err);

  const bad = path.join(FIX, 'bad_simulation.cfg');
  r = run('--config', bad);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: simulation\\.no_show_probability`));
});
