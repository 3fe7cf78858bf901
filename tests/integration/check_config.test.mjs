// check_config.test.mjs — `fairq check-config` as an operator runs it: the real
// binary on the shipped config and on fixtures; exit codes 0/1/2 and messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = process.env.FAIRQ_BIN;
const SRC = process.env.FAIRQ_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
const FIX = path.join(SRC, 'tests/fixtures/config');

function run(...args) {
  const r = spawnSync(BIN, ['check-config', ...args], { encoding: 'utf8', timeout: 30000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('FAIRQ_BIN is set', () => {
  assert.ok(BIN, 'FAIRQ_BIN must point at the fairq binary');
});

test('the shipped config is valid and lint-clean', () => {
  const file = path.join(SRC, 'config/fairq.cfg');
  const r = run(file);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines[0], `${file}: ok`);
  assert.match(lines[1], /policy accumulating, classes vip\/priority\/regular, 2 services, 4 counters, 0 warnings/);
  assert.equal(r.err, '');
});

test('an invalid file exits 1 with file:line: message on stderr', () => {
  const file = path.join(FIX, 'bad_weight_negative.cfg');
  const r = run(file);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.equal(r.err.trim(), `${file}:5: scheduler.classes[1].weight must be > 0 and <= 1000 (got -1)`);
});

test('a syntax error exits 1 with its line', () => {
  const file = path.join(FIX, 'bad_syntax.cfg');
  const r = run(file);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: syntax error`));
});

test('an unfair but valid file exits 0 and warns on stderr', () => {
  const file = path.join(FIX, 'lint_mixed_limits.cfg');
  const r = run(file);
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.startsWith(`${file}: ok\n`));
  assert.match(r.out, /1 warning\n$/);
  const warnings = r.err.trim().split('\n');
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0].startsWith(`${file}: warning: class "regular" has no starvation_limit`), warnings[0]);
});

test('a file written on the spot: unknown key and wrapped integer are caught', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fairq-cc-'));
  try {
    const a = path.join(dir, 'a.cfg');
    writeFileSync(a, 'server = {\n  port = 8080;\n  prot = 1;\n};\n');
    let r = run(a);
    assert.equal(r.code, 1);
    assert.match(r.err, /a\.cfg:3: unknown key server\.prot/);
    // libconfig 1.5 silently wraps this to 8080; fairq must not accept it.
    writeFileSync(a, 'server = { port = 4294975376; };\n');
    r = run(a);
    assert.equal(r.code, 1);
    assert.match(r.err, /a\.cfg:1: server\.port must be in 0\.\.65535/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage and I/O errors exit 2', () => {
  let r = run();
  assert.equal(r.code, 2);
  assert.match(r.err, /usage: fairq check-config FILE/);
  r = run('/nonexistent/fairq.cfg');
  assert.equal(r.code, 2);
  assert.match(r.err, /\/nonexistent\/fairq\.cfg: cannot read: No such file or directory/);
  r = run(FIX);
  assert.equal(r.code, 2);
  assert.match(r.err, /is a directory/);
  r = run('--frobnicate', path.join(SRC, 'config/fairq.cfg'));
  assert.equal(r.code, 2);
  r = run(path.join(SRC, 'config/fairq.cfg'), path.join(SRC, 'config/fairq.cfg'));
  assert.equal(r.code, 2);
});

test('--help explains the command and exits 0', () => {
  const r = run('--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /usage: fairq check-config FILE/);
  assert.match(r.out, /Exit status: 0 valid, 1 invalid, 2/);
  const top = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
  assert.match(top.stdout, /check-config\s+validate a configuration file/);
});
