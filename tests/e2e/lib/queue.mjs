// queue.mjs — drive counters through the real API for the page tests.
//
// callNext() finishes whatever the counter is doing (start + complete a
// called ticket, complete a served one) and then calls `next`, so tests do
// not depend on whether the server lets `next` replace a called ticket.

import { api, counter } from './server.mjs';

export async function queue(server) {
  const r = await api(server, 'GET', '/api/v1/queue', undefined, server.tokens.staff);
  if (r.status !== 200) throw new Error(`GET /api/v1/queue: ${r.status} ${r.text}`);
  return r.body;
}

export async function counterState(server, cid) {
  const q = await queue(server);
  const c = (q.counters || []).find((x) => x.id === cid);
  if (!c) throw new Error(`no counter ${cid} in /api/v1/queue`);
  return c;
}

export async function finishCurrent(server, cid) {
  const c = await counterState(server, cid);
  if (c.ticket && c.ticket_status === 'called') {
    await counter(server, cid, 'start');
    await counter(server, cid, 'complete');
  } else if (c.ticket && c.ticket_status === 'serving') {
    await counter(server, cid, 'complete');
  }
}

// Resolves to the ticket `next` called (its JSON), or null.
export async function callNext(server, cid) {
  await finishCurrent(server, cid);
  const r = await counter(server, cid, 'next');
  return r ? r.ticket : null;
}

export async function ensureOpen(server, cid) {
  const c = await counterState(server, cid);
  if (c.state !== 'open') await counter(server, cid, 'open');
}

// "A047" as the lobby speaks it, per language.
export function spelled(number, lang) {
  const zh = '零一二三四五六七八九';
  return number
    .split('')
    .map((ch) => (lang.startsWith('zh') && ch >= '0' && ch <= '9' ? zh[Number(ch)] : ch))
    .join(' ');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn() until it returns a truthy value or `ms` pass; returns the value.
export async function eventually(fn, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what || 'condition'}`);
    await sleep(100);
  }
}
