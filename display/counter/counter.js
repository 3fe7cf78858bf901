// counter.js — the staff console: run one counter and see the whole queue.
//
// The staff token arrives once in the URL (/counter/?token=...) or is pasted
// into the sign-in form; it is kept in localStorage and never left in the
// address bar. The queue comes from /ws/staff (fairq.staff.v1): after the
// auth message the server sends a snapshot, then an update after every
// change and an alarm message when a ticket goes overdue. Close code 4401
// means the token was rejected: the page says so and stops retrying.
//
// Actions are POST /api/v1/counters/{cid}/{action}; the server is the judge
// of what is allowed (409 = wrong state), and its message is shown as is.

import { ApiError, apiGet, apiPost, takeTokenFromUrl, storageGet, storageSet, formatClock, parseTime, counterName, serviceName } from '/common/api.js';
import { t, has, mountLangSwitch } from '/common/i18n.js';
import { loadInfo } from '/common/boot.js';
import { ReconnectingSocket } from '/common/ws.js';

const TOKEN_KEY = 'fairq.staffToken';
const COUNTER_KEY = 'fairq.counter';
const SAFETY_REFRESH_MS = 10000;
const SHORTCUTS = { n: 'next', r: 'recall', s: 'start', c: 'complete', x: 'no-show' };
const ACTION_LABELS = {
  open: 'counter.open',
  pause: 'counter.pause',
  close: 'counter.close',
  next: 'counter.next',
  recall: 'counter.recall',
  start: 'counter.start',
  complete: 'counter.complete',
  'no-show': 'counter.noShow',
  transfer: 'counter.transfer',
  call: 'counter.manual.call'
};

const $ = (id) => document.getElementById(id);

const state = {
  info: null,
  token: null,
  counterId: null,
  queue: null,
  queueAt: 0, // Date.now() when `queue` arrived, to tick the waits
  alarms: [],
  sock: null,
  rejected: false,
  lastMessage: null // {key, params, kind} so a language switch re-renders it
};

// ---- small helpers -------------------------------------------------------------

function tz() {
  return state.info && state.info.branch ? state.info.branch.timezone : undefined;
}

function label(prefix, id) {
  if (id === null || id === undefined || id === '') return '—';
  return has(prefix + id) ? t(prefix + id) : String(id);
}

function fmtWait(s) {
  const v = Math.max(0, Math.floor(s));
  const h = Math.floor(v / 3600);
  const m = Math.floor((v % 3600) / 60);
  const sec = v % 60;
  const p = (n) => (n < 10 ? '0' : '') + n;
  return (h ? h + ':' + p(m) : String(m)) + ':' + p(sec);
}

function setMessage(key, params, kind) {
  state.lastMessage = key ? { key, params, kind } : null;
  renderMessage();
}

function renderMessage() {
  const el = $('message');
  const m = state.lastMessage;
  el.textContent = m ? t(m.key, m.params) : '';
  el.classList.toggle('is-error', !!m && m.kind === 'error');
  el.classList.toggle('is-ok', !!m && m.kind === 'ok');
}

function myCounter() {
  const q = state.queue;
  if (!q || !q.counters) return null;
  for (const c of q.counters) if (c.id === state.counterId) return c;
  return null;
}

// ---- rendering -----------------------------------------------------------------

function renderCounterChoice() {
  const sel = $('counter-select');
  sel.textContent = '';
  const counters = (state.info && state.info.counters) || [];
  counters.forEach((c) => {
    const o = document.createElement('option');
    o.value = c.id;
    o.textContent = c.name || c.id;
    sel.appendChild(o);
  });
  const saved = storageGet(COUNTER_KEY);
  const ids = counters.map((c) => c.id);
  state.counterId = ids.indexOf(saved) >= 0 ? saved : ids[0] || null;
  if (state.counterId) sel.value = state.counterId;

  const ts = $('transfer-service');
  ts.textContent = '';
  ((state.info && state.info.services) || []).forEach((s) => {
    const o = document.createElement('option');
    o.value = s.id;
    o.textContent = (s.prefix ? s.prefix + ' · ' : '') + (s.name || s.id);
    ts.appendChild(o);
  });
}

function renderDesk() {
  $('desk-title').textContent = t('counter.counter') + ' ' + counterName(state.info, state.counterId);
  const c = myCounter();
  const badge = $('state-badge');
  const st = c ? c.state : '';
  badge.className = 'state-badge' + (st ? ' is-' + st : '');
  badge.textContent = st ? t('counter.stateIs', { state: label('counter.state.', st) }) : '…';
  ['open', 'pause', 'close'].forEach((a) => {
    const target = a === 'open' ? 'open' : a === 'pause' ? 'paused' : 'closed';
    $('act-' + a).setAttribute('aria-pressed', st === target ? 'true' : 'false');
  });
  $('current-number').textContent = c && c.ticket ? c.ticket : t('counter.noTicket');
  $('current-status').textContent = c && c.ticket && c.ticket_status ? label('status.', c.ticket_status) : '';
}

function renderQueue() {
  const q = state.queue;
  const body = $('queue-body');
  body.textContent = '';
  const tickets = (q && q.tickets) || [];
  const elapsed = (Date.now() - state.queueAt) / 1000;
  tickets.forEach((tk) => {
    const tr = document.createElement('tr');
    tr.className = 'q-row';
    tr.setAttribute('data-number', tk.number);
    if (tk.status === 'called' || tk.status === 'serving') tr.classList.add('is-called');
    if (tk.overdue) tr.classList.add('is-overdue');
    const cells = [
      tk.number,
      serviceName(state.info, tk.service),
      label('class.', tk.class),
      label('reason.', tk.reason),
      label('status.', tk.status),
      '',
      tk.counter ? counterName(state.info, tk.counter) : '—'
    ];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      if (i === 0) {
        td.className = 'q-number num';
        td.textContent = text;
        if (tk.overdue) {
          const badge = document.createElement('span');
          badge.className = 'overdue-badge';
          badge.textContent = t('counter.overdue');
          td.appendChild(document.createTextNode(' '));
          td.appendChild(badge);
        }
      } else if (i === 5) {
        td.className = 'col-wait num q-wait';
        const ticking = tk.status === 'waiting';
        td.setAttribute('data-wait', String(tk.wait_s || 0));
        td.setAttribute('data-ticking', ticking ? '1' : '0');
        td.textContent = fmtWait((tk.wait_s || 0) + (ticking ? elapsed : 0));
      } else {
        td.textContent = text;
      }
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  $('queue-empty').hidden = tickets.length > 0;
  const waiting = q && typeof q.waiting === 'number' ? q.waiting : tickets.filter((x) => x.status === 'waiting').length;
  $('queue-count').textContent = t('counter.waitingCount', { n: waiting });
  $('queue-policy').textContent = q && q.policy ? t('counter.policy', { policy: q.policy }) : '';

  // Manual call: any waiting ticket; keep the selection across updates.
  const sel = $('manual-ticket');
  const keep = sel.value;
  sel.textContent = '';
  tickets
    .filter((x) => x.status === 'waiting')
    .forEach((x) => {
      const o = document.createElement('option');
      o.value = x.number;
      o.textContent = x.number + ' · ' + serviceName(state.info, x.service);
      sel.appendChild(o);
    });
  if (keep) sel.value = keep;

  const list = $('counters');
  list.textContent = '';
  ((q && q.counters) || []).forEach((c) => {
    const li = document.createElement('li');
    if (c.id === state.counterId) li.className = 'is-mine';
    const n = document.createElement('div');
    n.className = 'c-name';
    n.textContent = t('counter.counter') + ' ' + (c.name || c.id);
    const s = document.createElement('div');
    s.className = 'c-state';
    s.textContent = label('counter.state.', c.state) + ' · ' + (c.services || []).join(' ');
    const k = document.createElement('div');
    k.className = 'c-ticket num';
    k.textContent = c.ticket ? c.ticket + ' · ' + label('status.', c.ticket_status) : '—';
    li.appendChild(n);
    li.appendChild(s);
    li.appendChild(k);
    list.appendChild(li);
  });
}

// Updates only the wait cells, once a second.
function tickWaits() {
  const elapsed = (Date.now() - state.queueAt) / 1000;
  document.querySelectorAll('#queue-body td.q-wait').forEach((td) => {
    const base = Number(td.getAttribute('data-wait')) || 0;
    const ticking = td.getAttribute('data-ticking') === '1';
    td.textContent = fmtWait(base + (ticking ? elapsed : 0));
  });
}

function renderAlarm() {
  const el = $('alarm');
  const a = state.alarms.filter((x) => x && x.kind === 'starvation' && x.active !== false)[0];
  el.hidden = !a;
  if (!a) {
    el.textContent = '';
    return;
  }
  const since = parseTime(a.since);
  const sinceText = isNaN(since) ? '?' : formatClock(since, tz(), false);
  // The alarm names the ticket that raised it, which may since have been
  // called; the queue says which tickets are overdue right now.
  const overdue = ((state.queue && state.queue.tickets) || []).filter((x) => x.overdue && x.status === 'waiting').map((x) => x.number);
  el.textContent = overdue.length
    ? t('counter.alarmList', { tickets: overdue.slice(0, 6).join(', ') + (overdue.length > 6 ? ' …' : ''), since: sinceText })
    : t('counter.alarm', { ticket: a.ticket || '?', since: sinceText });
}

function renderAll() {
  renderDesk();
  renderQueue();
  renderAlarm();
  renderMessage();
}

function setQueue(q) {
  if (!q) return;
  state.queue = q;
  state.queueAt = Date.now();
  state.alarms = (q.alarms || []).slice();
  renderAll();
}

// ---- talking to the server ----------------------------------------------------

function tokenRejected() {
  state.rejected = true;
  if (state.sock) state.sock.stop();
  state.sock = null;
  $('console').hidden = true;
  $('token-form').hidden = false;
  $('token-rejected').hidden = false;
  $('live').hidden = true;
  $('offline').hidden = true;
}

async function refreshQueue() {
  if (!state.token || state.rejected) return;
  try {
    setQueue(await apiGet('/api/v1/queue', state.token));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) tokenRejected();
  }
}

// Actions run one after another, in the order staff gave them (S then C
// pressed quickly must both happen, and in that order).
let chain = Promise.resolve();
function act(action, body) {
  chain = chain.then(() => doAct(action, body));
  return chain;
}

async function doAct(action, body) {
  if (!state.counterId || state.rejected) return;
  const path = '/api/v1/counters/' + encodeURIComponent(state.counterId) + '/' + action;
  try {
    const res = await apiPost(path, body || {}, state.token);
    if (action === 'next') {
      if (res && res.ticket) setMessage('counter.called', { number: res.ticket.number }, 'ok');
      else setMessage('counter.nobody', null, 'ok');
    } else if (action === 'call' && res && res.ticket && res.ticket.number) {
      setMessage('counter.called', { number: res.ticket.number }, 'ok');
    } else {
      setMessage('counter.done', { action: t(ACTION_LABELS[action] || action) }, 'ok');
    }
    if (action === 'call') $('manual-reason').value = '';
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      tokenRejected();
    } else if (e instanceof ApiError && e.status === 409) {
      setMessage('counter.conflict', { message: e.message }, 'error');
    } else if (e instanceof ApiError && e.status === 0) {
      setMessage('common.network', null, 'error');
    } else {
      setMessage('counter.error', { message: e.message }, 'error');
    }
  }
  // The staff stream brings the new state too; this covers a lagging socket.
  refreshQueue();
}

function connect() {
  if (state.sock) state.sock.stop();
  const sock = new ReconnectingSocket('/ws/staff', 'fairq.staff.v1', {
    onOpen: (s) => s.send({ type: 'auth', token: state.token }),
    onMessage: (msg) => {
      if (msg.type === 'snapshot' || msg.type === 'update') {
        setQueue(msg.queue);
      } else if (msg.type === 'alarm' && msg.alarm) {
        const a = msg.alarm;
        state.alarms = state.alarms.filter((x) => x.kind !== a.kind);
        if (a.active !== false) state.alarms.push(a);
        renderAlarm();
      }
    },
    onStatus: (connected) => {
      $('live').hidden = !connected;
      $('offline').hidden = connected || state.rejected;
    },
    onFatal: () => tokenRejected()
  }, { fatalCodes: [4401] });
  state.sock = sock;
  sock.start();
}

function startConsole() {
  state.rejected = false;
  $('token-form').hidden = true;
  $('token-rejected').hidden = true;
  $('console').hidden = false;
  renderCounterChoice();
  renderAll();
  connect();
  refreshQueue();
}

// ---- wiring ----------------------------------------------------------------------

function isTyping(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === 'input' || tag === 'textarea' || tag === 'select' || target.isContentEditable;
}

function wire() {
  document.querySelectorAll('[data-action]').forEach((b) => {
    b.addEventListener('click', () => act(b.getAttribute('data-action')));
  });
  $('counter-select').addEventListener('change', (e) => {
    state.counterId = e.target.value;
    storageSet(COUNTER_KEY, state.counterId);
    setMessage(null);
    renderAll();
  });
  $('transfer-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act('transfer', { service: $('transfer-service').value });
  });
  $('manual-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const number = $('manual-ticket').value;
    const reason = $('manual-reason').value.trim();
    if (!number) {
      setMessage('counter.manual.needTicket', null, 'error');
      return;
    }
    if (!reason) {
      setMessage('counter.manual.needReason', null, 'error');
      $('manual-reason').focus();
      return;
    }
    act('call', { number, reason });
  });
  $('token-entry').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('token-input').value.trim();
    if (!v) return;
    storageSet(TOKEN_KEY, v);
    state.token = v;
    $('token-input').value = '';
    startConsole();
  });
  $('signout').addEventListener('click', () => {
    storageSet(TOKEN_KEY, null);
    state.token = null;
    if (state.sock) state.sock.stop();
    state.sock = null;
    $('console').hidden = true;
    $('token-form').hidden = false;
    $('live').hidden = true;
    $('offline').hidden = true;
  });
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target)) return;
    if ($('console').hidden) return;
    const action = SHORTCUTS[(e.key || '').toLowerCase()];
    if (!action) return;
    e.preventDefault();
    act(action);
  });
  window.setInterval(tickWaits, 1000);
  window.setInterval(() => {
    if (state.token && !state.rejected && !$('console').hidden) refreshQueue();
  }, SAFETY_REFRESH_MS);
}

async function boot() {
  state.token = takeTokenFromUrl(TOKEN_KEY);
  state.info = await loadInfo((message) => {
    $('boot-error').textContent = message;
    $('boot-error').hidden = false;
  }, 'common.network');
  $('boot-error').hidden = true;
  const langs = state.info.branch && state.info.branch.languages;
  mountLangSwitch($('lang'), langs, renderAll);
  document.title = t('counter.title') + (state.info.branch && state.info.branch.name ? ' — ' + state.info.branch.name : '');
  wire();
  if (state.token) startConsole();
  else $('token-form').hidden = false;
}

boot();
