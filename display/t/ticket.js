// ticket.js — one ticket's status page, /t/{id}, usually opened from the QR code.
//
// The id in the path is the capability: whoever holds it may see and cancel
// the ticket, nobody else can guess it. The page polls GET
// /api/v1/tickets/{id} every 5 s and also listens on /ws/display: when a
// `call` names this ticket's number it fetches at once, so "please go to
// counter 3" appears within a moment of the call, not up to 5 s later.

import { ApiError, apiGet, apiRequest, fetchInfo, formatClock, parseTime, counterName, serviceName } from '/common/api.js';
import { t, initLang, applyI18n, mountLangSwitch } from '/common/i18n.js';
import { ReconnectingSocket } from '/common/ws.js';

const POLL_MS = 5000;
const OPEN_STATES = ['waiting', 'called', 'serving'];

const $ = (id) => document.getElementById(id);

const state = {
  id: '',
  info: null,
  ticket: null,
  updatedAt: 0,
  notFound: false,
  fetching: false,
  cancelling: false
};

function ticketIdFromPath() {
  const parts = window.location.pathname.split('/').filter((p) => p);
  // /t/{id}: the id is the segment after "t".
  const i = parts.indexOf('t');
  const id = i >= 0 && parts.length > i + 1 ? parts[i + 1] : '';
  try {
    return decodeURIComponent(id);
  } catch (e) {
    return id;
  }
}

function tz() {
  return state.info && state.info.branch ? state.info.branch.timezone : undefined;
}

function waitText(s) {
  if (typeof s !== 'number' || !isFinite(s) || s < 0) return t('wait.unknown');
  if (s < 60) return t('wait.lessThanMinute');
  return t('wait.minutes', { n: Math.round(s / 60) });
}

function showError(text) {
  $('error').textContent = text || '';
  $('error').hidden = !text;
}

function render() {
  const b = state.info && state.info.branch;
  $('branch-name').textContent = b ? b.name || b.id : '';
  if (state.notFound) {
    $('card').hidden = true;
    showError(t('ticket.notFound'));
    document.title = t('ticket.title');
    return;
  }
  const tk = state.ticket;
  if (!tk) return;
  $('card').hidden = false;
  $('number').textContent = tk.number;
  $('service').textContent = serviceName(state.info, tk.service);
  document.title = tk.number + ' — ' + t('status.' + tk.status);

  const box = $('status-box');
  box.classList.toggle('is-called', tk.status === 'called');
  box.classList.toggle('is-serving', tk.status === 'serving');
  box.classList.toggle('is-over', OPEN_STATES.indexOf(tk.status) < 0);
  $('status-word').textContent = t('status.' + tk.status);
  $('status-long').textContent = t('ticket.long.' + tk.status);
  const atCounter = (tk.status === 'called' || tk.status === 'serving') && tk.counter;
  $('goto').hidden = !atCounter;
  if (atCounter) $('goto-counter').textContent = t('ticket.counterN', { counter: counterName(state.info, tk.counter) });

  const waiting = tk.status === 'waiting';
  $('estimate-box').hidden = !waiting;
  if (waiting) $('estimate').textContent = waitText(tk.estimated_wait_s);

  const issued = parseTime(tk.issued_at);
  $('issued').textContent = isNaN(issued) ? '' : t('ticket.issued', { time: formatClock(issued, tz(), false) });
  const called = parseTime(tk.called_at);
  $('called').hidden = isNaN(called);
  if (!isNaN(called)) $('called').textContent = t('ticket.calledAt', { time: formatClock(called, tz(), false) });

  $('cancel-box').hidden = !waiting;
  if (!waiting) $('confirm').hidden = true;
  $('updated').textContent = state.updatedAt
    ? t('ticket.updated', { time: formatClock(state.updatedAt, tz(), true) }) + ' · ' + t('ticket.live')
    : '';
}

function isFinal() {
  return !!state.ticket && OPEN_STATES.indexOf(state.ticket.status) < 0;
}

async function refresh() {
  if (state.fetching || !state.id) return;
  state.fetching = true;
  try {
    state.ticket = await apiGet('/api/v1/tickets/' + encodeURIComponent(state.id));
    state.notFound = false;
    state.updatedAt = Date.now();
    showError('');
    $('offline').hidden = true;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
      state.notFound = true;
    } else if (e instanceof ApiError && e.status === 0) {
      $('offline').hidden = false;
    } else {
      showError(e.message);
    }
  } finally {
    state.fetching = false;
  }
  render();
}

async function cancelTicket() {
  if (state.cancelling) return;
  state.cancelling = true;
  $('confirm-yes').disabled = true;
  try {
    await apiRequest('DELETE', '/api/v1/tickets/' + encodeURIComponent(state.id));
    $('confirm').hidden = true;
  } catch (e) {
    showError(t('ticket.cancelFailed', { message: e.message }));
  } finally {
    state.cancelling = false;
    $('confirm-yes').disabled = false;
  }
  await refresh();
}

async function boot() {
  state.id = ticketIdFromPath();
  try {
    state.info = await fetchInfo();
  } catch (e) {
    state.info = null; // names fall back to ids; the ticket still shows
  }
  const langs = state.info && state.info.branch ? state.info.branch.languages : null;
  initLang(langs);
  applyI18n(document);
  mountLangSwitch($('lang'), langs, render);
  if (!state.id) {
    state.notFound = true;
    render();
    return;
  }

  $('cancel').addEventListener('click', () => {
    $('confirm').hidden = false;
    $('confirm-no').focus();
  });
  $('confirm-no').addEventListener('click', () => {
    $('confirm').hidden = true;
    $('cancel').focus();
  });
  $('confirm-yes').addEventListener('click', cancelTicket);

  await refresh();
  // A finished ticket cannot change again: stop polling and listening then.
  const poll = window.setInterval(() => {
    if (state.notFound || isFinal()) {
      window.clearInterval(poll);
      sock.stop();
      return;
    }
    refresh();
  }, POLL_MS);

  const sock = new ReconnectingSocket('/ws/display', 'fairq.display.v1', {
    onMessage: (msg) => {
      const tk = state.ticket;
      if (!tk) return;
      if ((msg.type === 'call' || msg.type === 'clear') && msg.number === tk.number) refresh();
      else if (msg.type === 'snapshot' && OPEN_STATES.indexOf(tk.status) >= 0) refresh();
    }
  });
  sock.start();
}

boot();
