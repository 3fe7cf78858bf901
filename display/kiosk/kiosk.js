// kiosk.js — the ticket kiosk: choose a service, take a ticket.
//
// The kiosk token arrives once in the URL (/kiosk/?token=...), is kept in
// localStorage and removed from the address bar. Regular tickets are issued
// in the first kiosk class that has no reasons; a class with reasons is
// offered as "priority service", behind its own clearly labelled button, and
// the customer's chosen reason goes with the request. The reply never says
// which class a ticket is in, and neither does the ticket on screen or on
// paper. After ~30 s the kiosk returns to the start screen by itself.

import { ApiError, apiPost, takeTokenFromUrl, formatClock, parseTime } from '/common/api.js';
import { t, has, mountLangSwitch } from '/common/i18n.js';
import { loadInfo } from '/common/boot.js';

const TOKEN_KEY = 'fairq.kioskToken';
const RETURN_AFTER_S = 30;

const $ = (id) => document.getElementById(id);

const state = {
  info: null,
  token: null,
  regularClass: null, // id of the class issued by default
  priorityClass: null, // {id, reasons} offered as priority service, or null
  reason: null, // chosen priority reason, or null for a regular ticket
  ticket: null, // the last issued ticket (reply of POST /api/v1/tickets)
  countdown: 0,
  timer: null,
  busy: false
};

function show(screen) {
  ['screen-start', 'screen-priority', 'screen-busy', 'screen-ticket'].forEach((id) => {
    $(id).hidden = id !== screen;
  });
}

function showError(text) {
  const el = $('error');
  el.textContent = text || '';
  el.hidden = !text;
}

function reasonLabel(r) {
  return has('reason.' + r) ? t('reason.' + r) : r;
}

function pickClasses() {
  const classes = (state.info && state.info.kiosk_classes) || [];
  state.regularClass = null;
  state.priorityClass = null;
  for (const c of classes) {
    const hasReasons = c.reasons && c.reasons.length > 0;
    if (hasReasons && !state.priorityClass) state.priorityClass = c;
    if (!hasReasons && !state.regularClass) state.regularClass = c.id;
  }
}

function renderStart() {
  const grid = $('services');
  grid.textContent = '';
  const services = (state.info && state.info.services) || [];
  const canIssue = !!(state.reason ? state.priorityClass : state.regularClass);
  services.forEach((s) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'service-button';
    const p = document.createElement('span');
    p.className = 'service-prefix';
    p.setAttribute('aria-hidden', 'true');
    p.textContent = s.prefix || s.id;
    const n = document.createElement('span');
    n.className = 'service-name';
    n.textContent = s.name || s.id;
    b.appendChild(p);
    b.appendChild(n);
    b.disabled = !canIssue;
    b.addEventListener('click', () => issue(s.id));
    grid.appendChild(b);
  });
  if (!services.length) {
    const p = document.createElement('p');
    p.textContent = t('kiosk.noServices');
    grid.appendChild(p);
  }
  const chosen = !!state.reason;
  $('priority-banner').hidden = !chosen;
  if (chosen) $('priority-banner-text').textContent = t('kiosk.priority.chosen', { reason: reasonLabel(state.reason) });
  $('service-title').textContent = chosen ? t('kiosk.priority.choose') : t('kiosk.chooseService');
  // Without a regular class the kiosk can only issue priority tickets.
  $('priority-entry').hidden = !state.priorityClass || chosen;
}

function renderReasons() {
  const grid = $('reasons');
  grid.textContent = '';
  if (!state.priorityClass) return;
  state.priorityClass.reasons.forEach((r) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'reason-button';
    b.textContent = reasonLabel(r);
    b.addEventListener('click', () => {
      state.reason = r;
      renderStart();
      show('screen-start');
    });
    grid.appendChild(b);
  });
}

function waitText(s) {
  if (typeof s !== 'number' || !isFinite(s) || s < 0) return t('wait.unknown');
  if (s < 60) return t('wait.lessThanMinute');
  return t('wait.minutes', { n: Math.round(s / 60) });
}

function renderTicket() {
  const tk = state.ticket;
  if (!tk) return;
  const info = state.info;
  $('ticket-branch').textContent = info && info.branch ? info.branch.name || '' : '';
  $('ticket-number').textContent = tk.number;
  let sname = tk.service;
  for (const s of (info && info.services) || []) if (s.id === tk.service) sname = s.name || s.id;
  $('ticket-service').textContent = sname;
  $('ticket-wait').textContent = waitText(tk.estimated_wait_s);
  const tz = info && info.branch ? info.branch.timezone : undefined;
  const issued = parseTime(tk.issued_at);
  $('ticket-issued').textContent = isNaN(issued) ? '' : t('kiosk.ticket.issued', { time: formatClock(issued, tz, false) });
  renderCountdown();
}

function renderCountdown() {
  $('countdown').textContent = t('kiosk.ticket.returning', { n: state.countdown });
}

function backToStart() {
  if (state.timer) window.clearInterval(state.timer);
  state.timer = null;
  state.ticket = null;
  state.reason = null;
  showError('');
  renderStart();
  show('screen-start');
}

function startCountdown() {
  state.countdown = RETURN_AFTER_S;
  renderCountdown();
  if (state.timer) window.clearInterval(state.timer);
  state.timer = window.setInterval(() => {
    state.countdown--;
    if (state.countdown <= 0) backToStart();
    else renderCountdown();
  }, 1000);
}

function errorText(e) {
  if (e instanceof ApiError) {
    if (e.status === 429) return t('kiosk.err.rate');
    if (e.status === 401 || e.status === 403) return t('kiosk.err.token');
    if (e.status === 0) return t('common.network');
    return t('kiosk.err.generic', { message: e.message });
  }
  return t('kiosk.err.generic', { message: String(e && e.message ? e.message : e) });
}

async function issue(service) {
  if (state.busy) return;
  if (!state.token) {
    showError(t('kiosk.err.token'));
    return;
  }
  const body = { service, class: state.reason ? state.priorityClass.id : state.regularClass };
  if (state.reason) body.reason = state.reason;
  state.busy = true;
  showError('');
  show('screen-busy');
  try {
    state.ticket = await apiPost('/api/v1/tickets', body, state.token);
    state.reason = null;
    const img = $('ticket-qr');
    img.src = '/api/v1/tickets/' + encodeURIComponent(state.ticket.id) + '/qr.svg';
    img.alt = t('kiosk.ticket.scan');
    renderTicket();
    show('screen-ticket');
    startCountdown();
    $('done').focus();
  } catch (e) {
    showError(errorText(e));
    renderStart();
    show('screen-start');
  } finally {
    state.busy = false;
  }
}

function rerender() {
  renderStart();
  renderReasons();
  renderTicket();
  const img = $('ticket-qr');
  if (state.ticket) img.alt = t('kiosk.ticket.scan');
  const b = state.info && state.info.branch;
  $('branch-name').textContent = b ? b.name || b.id : '';
  document.title = t('kiosk.title') + (b && b.name ? ' — ' + b.name : '');
}

async function boot() {
  state.token = takeTokenFromUrl(TOKEN_KEY);
  state.info = await loadInfo(showError, 'common.network');
  const langs = state.info.branch && state.info.branch.languages;
  mountLangSwitch($('lang'), langs, rerender);
  pickClasses();
  rerender();
  if (!state.token) showError(t('kiosk.err.token'));

  $('priority-open').addEventListener('click', () => {
    renderReasons();
    show('screen-priority');
  });
  $('priority-back').addEventListener('click', () => show('screen-start'));
  $('priority-cancel').addEventListener('click', () => {
    state.reason = null;
    renderStart();
  });
  $('print').addEventListener('click', () => window.print());
  $('done').addEventListener('click', backToStart);
  show('screen-start');
}

boot();
