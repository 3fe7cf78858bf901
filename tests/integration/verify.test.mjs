// verify.test.mjs — `fairq verify` against a log written by a second,
// independent implementation of docs/audit.md: node's SHA-256 builds the
// chain, the sqlite3 command-line shell writes the file. If fairq and this
// file disagree about the definition, the "ok" line's head differs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.FAIRQ_BIN;
const haveSqlite = spawnSync('sqlite3', ['-version']).status === 0;
const ZERO = '0'.repeat(64);

function sqlite(db, sql) {
  const r = spawnSync('sqlite3', [db], { input: sql, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function verify(db) {
  const r = spawnSync(BIN, ['verify', '--db', db], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// A schema-1 fairq database with n canonical events; returns the head.
function makeLog(db, n) {
  const rows = [];
  let prev = ZERO;
  const t0 = 1795416000000;
  const events = [`{"type":"day","at":${t0},"day":"2026-11-23","seed":"42","last_ticket":0}`];
  for (let i = 1; events.length < n; i++) {
    events.push(`{"type":"issued","at":${t0 + i * 1000},"ticket":${i},"class":"regular",` +
      `"service":"A","number":"A${String(i).padStart(3, '0')}",` +
      `"key":"${i.toString(16).padStart(32, '0')}","estimate_s":${60 * i}}`);
    if (events.length < n)
      events.push(`{"type":"called","at":${t0 + i * 1000 + 500},"ticket":${i},"counter":"1",` +
        `"manual":true,"note":"said \\"${i}\\"\\u000a"}`);
  }
  for (const [i, data] of events.entries()) {
    const hash = createHash('sha256').update(prev + data, 'utf8').digest('hex');
    rows.push(`(${i + 1}, '${data.replaceAll("'", "''")}', '${prev}', '${hash}')`);
    prev = hash;
  }
  sqlite(db, `PRAGMA journal_mode = WAL;
PRAGMA application_id = ${0x66617271};
PRAGMA user_version = 1;
CREATE TABLE events (seq INTEGER PRIMARY KEY, data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
INSERT INTO events VALUES ${rows.join(',\n')};`);
  return prev;
}

test('fairq verify checks a chain built by another implementation', { skip: !haveSqlite && 'no sqlite3 shell' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fq-verify-'));
  try {
    const db = join(dir, 'log.db');
    const head = makeLog(db, 40);
    let r = verify(db);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `ok 40 events head ${head}\n`);

    // edit a payload: the row no longer matches its hash
    sqlite(db, `UPDATE events SET data = replace(data, '"estimate_s":300', '"estimate_s":30') WHERE seq = 10;`);
    r = verify(db);
    assert.equal(r.code, 1);
    assert.equal(r.out, 'bad event 10: hash mismatch\n');

    // rebuild; delete a row in the middle
    rmSync(db, { force: true });
    makeLog(db, 40);
    sqlite(db, 'DELETE FROM events WHERE seq = 23;');
    r = verify(db);
    assert.equal(r.code, 1);
    assert.equal(r.out, 'missing event 23\n');

    // usage and I/O errors exit 2
    assert.equal(verify(join(dir, 'none.db')).code, 2);
    writeFileSync(join(dir, 'junk.db'), 'this is not a database at all, not even close'.repeat(100));
    r = verify(join(dir, 'junk.db'));
    assert.equal(r.code, 2);
    assert.match(r.err, /not a fairq database/);
    assert.equal(spawnSync(BIN, ['verify']).status, 2);
    assert.equal(spawnSync(BIN, ['verify', '--help']).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
