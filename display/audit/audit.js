// audit.js — the auditor's report viewer.
//
// The auditor token arrives once in the URL (/audit/?token=...) or is pasted
// into the sign-in form; it is kept in localStorage as fairq.auditorToken,
// like the console keeps the staff token, and forgotten when the server
// rejects it. The page asks GET /api/v1/audit/report?format=json for a range
// of business days (default: today, the lobby snapshot's business day) and
// draws what the report says: the hash chain's verdict and head, per-class,
// per-service and per-day tables, the manual calls with their reasons, and
// three charts built as SVG elements here (no library, nothing inline: the
// CSP allows scripts and styles from files only, so charts get attributes,
// never style strings). The HTML, CSV and JSON reports are fetched with the
// token and handed to the browser as downloads (a link cannot send a
// bearer token). Every figure cell carries the report's raw value in
// data-value, so a test can compare the page with the JSON exactly.

import { ApiError, apiGet, takeTokenFromUrl, storageSet, formatClock, serviceName, counterName } from '/common/api.js';
import { t, has, getLang, mountLangSwitch } from '/common/i18n.js';
import { loadInfo } from '/common/boot.js';

const TOKEN_KEY = 'fairq.auditorToken';
const REPORT_PATH = '/api/v1/audit/report';
const BUSY_WAIT_S = 5; // the server's Retry-After for a busy report
const BUSY_RETRIES = 24; // two minutes of waiting behind other reports
const SVG_NS = 'http://www.w3.org/2000/svg';

// Okabe–Ito, in the HTML report's order, and dash patterns for grey print.
const CLASS_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#8C6D00', '#000000'];
const CLASS_DASHES = ['', '6 3', '2 2', '8 3 2 3', '4 4', '1 3', '10 2', '3 6'];

// Per-class statistics, in the order of the tables. `def` names the
// definition the column header links to; `digits` the decimals shown.
// Columns without `always` are averages over served tickets: with none
// served the report says 0, the page says "—" (there is nothing to average).
const COLUMNS = [
  { key: 'served', label: 'audit.col.served', def: 'served', digits: 0, always: true },
  { key: 'no_show', label: 'audit.col.noShow', def: 'noShow', digits: 0, always: true },
  { key: 'cancelled', label: 'audit.col.cancelled', def: 'noShow', digits: 0, always: true },
  { key: 'wait_mean_s', label: 'audit.col.mean', def: 'wait', digits: 1 },
  { key: 'wait_p50_s', label: 'audit.col.p50', def: 'pct', digits: 1 },
  { key: 'wait_p90_s', label: 'audit.col.p90', def: 'pct', digits: 1 },
  { key: 'wait_p95_s', label: 'audit.col.p95', def: 'pct', digits: 1 },
  { key: 'wait_max_s', label: 'audit.col.max', def: 'pct', digits: 1 },
  { key: 'over_target_pct', label: 'audit.col.overTarget', def: 'overTarget', digits: 1 },
  { key: 'starvation_breaches', label: 'audit.col.breaches', def: 'breaches', digits: 0, always: true },
  { key: 'overrides', label: 'audit.col.manual', def: 'manual', digits: 0, always: true },
  { key: 'overtaken_mean', label: 'audit.col.overtaken', def: 'overtaken', digits: 2, always: true },
  { key: 'estimate_error_mean_s', label: 'audit.col.estimate', def: 'estimate', digits: 1 }
];

const DEFINITIONS = ['wait', 'served', 'noShow', 'pct', 'overTarget', 'breaches', 'manual', 'overtaken', 'estimate', 'jain'];

// Bars of the "waits per class" chart: statistic, label, colour (light to
// dark for the percentiles, so they stay apart in grey print too).
const WAIT_BARS = [
  { key: 'wait_mean_s', label: () => t('audit.stat.mean'), colour: '#E69F00' },
  { key: 'wait_p50_s', label: () => 'p50', colour: '#9ECAE1' },
  { key: 'wait_p90_s', label: () => 'p90', colour: '#4292C6' },
  { key: 'wait_p95_s', label: () => 'p95', colour: '#2171B5' },
  { key: 'wait_max_s', label: () => 'max', colour: '#08306B' }
];

const state = {
  info: null,
  token: null,
  today: null, // the current business day, YYYY-MM-DD
  report: null,
  range: null, // {from, to} of the report shown ('' = open side)
  loadedAt: 0,
  seq: 0,
  error: null // () => text of the error shown, or null
};

// For tests and support: how many reports were shown, the last outcome.
const observed = { loads: 0, downloads: 0, busyRetries: 0, outcome: 'idle' };
window.fairqAudit = observed;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function timeZone() {
  return state.info && state.info.branch ? state.info.branch.timezone : undefined;
}

const formats = new Map(); // "lang/digits" -> Intl.NumberFormat (a month has thousands of cells)

function number(v, digits) {
  const n = Number(v);
  if (!Number.isFinite(n)) return '—';
  const key = getLang() + '/' + digits;
  try {
    if (!formats.has(key)) formats.set(key, new Intl.NumberFormat(getLang(), { minimumFractionDigits: digits, maximumFractionDigits: digits }));
    return formats.get(key).format(n);
  } catch (e) {
    return n.toFixed(digits);
  }
}

function className(id) {
  return has('class.' + id) ? t('class.' + id) : id;
}

// ---- dates -------------------------------------------------------------------

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

// Today's date in the branch's time zone, for when the lobby snapshot
// (which knows the business day, day_starts included) is not available.
function localToday() {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone(), year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    if (DAY_RE.test(parts)) return parts;
  } catch (e) {
    // fall through
  }
  const d = new Date();
  const p = (n) => (n < 10 ? '0' : '') + n;
  return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate());
}

async function businessToday() {
  try {
    const snap = await apiGet('/api/v1/display');
    if (snap && DAY_RE.test(snap.day || '')) return snap.day;
  } catch (e) {
    // the report works without it
  }
  return localToday();
}

function rangeToday() {
  return { from: state.today, to: state.today };
}

function rangeMonth() {
  return { from: state.today.slice(0, 8) + '01', to: state.today };
}

function reportUrl(format, range) {
  const q = new URLSearchParams();
  q.set('format', format);
  if (range.from) q.set('from', range.from);
  if (range.to) q.set('to', range.to);
  return REPORT_PATH + '?' + q.toString();
}

// Keeps the range in the address bar so a reload or a bookmark shows the
// same report (the token never goes there).
function rememberRange(range) {
  try {
    const q = new URLSearchParams();
    if (range.from) q.set('from', range.from);
    if (range.to) q.set('to', range.to);
    const s = q.toString();
    window.history.replaceState(null, '', window.location.pathname + (s ? '?' + s : ''));
  } catch (e) {
    // cosmetic only
  }
}

function rangeFromUrl() {
  try {
    const q = new URL(window.location.href).searchParams;
    const from = q.get('from') || '';
    const to = q.get('to') || '';
    if ((from && !DAY_RE.test(from)) || (to && !DAY_RE.test(to))) return null;
    if (!q.has('from') && !q.has('to')) return null;
    return { from, to };
  } catch (e) {
    return null;
  }
}

function setInputs(range) {
  $('from').value = range.from || '';
  $('to').value = range.to || '';
}

// ---- loading -------------------------------------------------------------------

// Shows an error; `words` makes the text, so a language switch can redo it.
function showError(words) {
  state.error = words;
  $('error').textContent = words();
  $('error').hidden = false;
}

function clearError() {
  state.error = null;
  $('error').hidden = true;
}

function errorText(e) {
  if (e instanceof ApiError && e.status === 0) return t('audit.err.network');
  const status = e instanceof ApiError ? e.status : 0;
  return t('audit.err.server', { status, message: e.message || e.code || '' });
}

function tokenRejected(status) {
  storageSet(TOKEN_KEY, null); // a rejected credential is not worth keeping
  state.token = null;
  state.report = null;
  state.seq++;
  observed.outcome = 'rejected';
  $('viewer').hidden = true;
  $('signout').hidden = true;
  $('token-form').hidden = false;
  $('token-rejected').dataset.status = String(status);
  $('token-rejected').textContent = t('audit.token.rejected', { status });
  $('token-rejected').hidden = false;
  $('token-input').focus();
}

function setBusy(busy) {
  $('loading').hidden = !busy;
  $('show').disabled = busy;
}

function setDownloads(enabled) {
  for (const id of ['dl-html', 'dl-csv', 'dl-json']) $(id).disabled = !enabled;
}

async function load(range) {
  if (range.from && range.to && range.from > range.to) {
    showError(() => t('audit.range.bad'));
    return;
  }
  const my = ++state.seq;
  clearError();
  setBusy(true);
  rememberRange(range);
  try {
    let report;
    // The server makes one report at a time and answers 429 "busy" to
    // another: wait and ask again (a year's report takes a few seconds).
    for (let attempt = 1; ; attempt++) {
      try {
        report = await apiGet(reportUrl('json', range), state.token);
        break;
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 429 && e.code === 'busy') || attempt > BUSY_RETRIES) throw e;
        if (my !== state.seq) return;
        observed.busyRetries++;
        showError(() => t('audit.err.busy', { seconds: BUSY_WAIT_S }));
        await new Promise((resolve) => setTimeout(resolve, BUSY_WAIT_S * 1000));
        if (my !== state.seq) return;
        clearError();
      }
    }
    if (my !== state.seq) return;
    state.report = report;
    state.range = { from: range.from || '', to: range.to || '' };
    state.loadedAt = Date.now();
    render();
    observed.loads++;
    observed.outcome = isEmpty(report) ? 'empty' : 'ok';
  } catch (e) {
    if (my !== state.seq) return;
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      tokenRejected(e.status);
      return;
    }
    state.report = null;
    $('report').hidden = true;
    setDownloads(false);
    observed.outcome = e instanceof ApiError && e.status === 0 ? 'network' : 'error';
    showError(() => errorText(e));
  } finally {
    if (my === state.seq) setBusy(false);
  }
}

function fileName(format, range) {
  return 'fairq-audit-' + (range.from || 'start') + '-' + (range.to || 'end') + '.' + format;
}

// Fetches the report in `format` with the token and gives it to the browser
// as a file: the server's bytes, unchanged.
async function download(format) {
  if (!state.range || !state.token) return;
  const range = state.range;
  clearError();
  let res;
  try {
    res = await fetch(reportUrl(format, range), {
      headers: { Authorization: 'Bearer ' + state.token },
      cache: 'no-store',
      credentials: 'same-origin'
    });
  } catch (e) {
    showError(() => t('audit.download.failed', { message: t('audit.err.network') }));
    return;
  }
  if (res.status === 401 || res.status === 403) {
    tokenRejected(res.status);
    return;
  }
  if (!res.ok) {
    let message = 'HTTP ' + res.status;
    try {
      const body = await res.json();
      if (body && body.error && body.error.message) message = body.error.message;
    } catch (e) {
      // keep the status
    }
    showError(() => t('audit.download.failed', { message }));
    return;
  }
  const href = URL.createObjectURL(await res.blob());
  const a = el('a', { href, download: fileName(format, range) });
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(href), 60000);
  observed.downloads++;
}

// ---- rendering -------------------------------------------------------------------

// A range is empty when no ticket was issued in it: the report lists the
// hours of day that had tickets, and only those.
function isEmpty(report) {
  return !report.hours || report.hours.length === 0;
}

function render() {
  const r = state.report;
  if (!r) return;
  const tz = timeZone();
  $('period').textContent = r.from || r.to ? t('audit.period', { from: r.from || '…', to: r.to || '…' }) : t('audit.period.none');
  $('generated').textContent = t('audit.generated', { time: formatClock(state.loadedAt, tz, true) });
  renderChain(r.head || {});
  const empty = isEmpty(r);
  $('empty').hidden = !empty;
  $('figures').hidden = empty;
  if (!empty) {
    renderSummary(r);
    renderStatsTable($('class-table'), r.classes || [], 'classes');
    renderCharts(r);
    renderOverrides(r.overrides || []);
    renderServices(r.services || []);
    renderDays(r.days || []);
  }
  renderDefinitions();
  $('report').hidden = false;
  setDownloads(true);
}

function renderChain(head) {
  const verify = String(head.verify || '');
  const bad = verify.match(/^bad event (\d+)/);
  const ok = verify === 'ok';
  const box = $('chain');
  box.classList.toggle('is-ok', ok);
  box.classList.toggle('is-bad', !ok);
  box.dataset.verify = verify;
  const seq = bad ? bad[1] : '?';
  $('chain-status').textContent = ok ? t('audit.chain.ok') : t('audit.chain.bad', { seq });
  $('chain-detail').textContent = ok
    ? t('audit.chain.okDetail', { events: number(head.events, 0) })
    : t('audit.chain.badDetail', { seq });
  $('chain-events').textContent = number(head.events, 0);
  $('chain-events').dataset.value = String(head.events);
  $('chain-hash').textContent = head.hash || '';
}

function sum(list, key) {
  return list.reduce((s, c) => s + (Number(c[key]) || 0), 0);
}

function renderSummary(r) {
  const classes = r.classes || [];
  const items = [
    ['served', 'audit.summary.served', sum(classes, 'served'), 0],
    ['no_show', 'audit.summary.noShow', sum(classes, 'no_show'), 0],
    ['cancelled', 'audit.summary.cancelled', sum(classes, 'cancelled'), 0],
    ['overrides', 'audit.summary.manual', sum(classes, 'overrides'), 0],
    ['starvation_breaches', 'audit.summary.breaches', sum(classes, 'starvation_breaches'), 0],
    ['jain_index', 'audit.summary.jain', r.fairness ? r.fairness.jain_index : NaN, 4]
  ];
  const ul = $('summary');
  ul.textContent = '';
  for (const [key, label, value, digits] of items) {
    const li = el('li', { class: 'summary-item', 'data-key': key });
    li.appendChild(el('span', { class: 'summary-label' }, t(label)));
    li.appendChild(el('span', { class: 'summary-value num', 'data-value': value }, number(value, digits)));
    ul.appendChild(li);
  }
}

function headerCell(col) {
  const th = el('th', { scope: 'col', class: 'n' });
  const a = el('a', { href: '#def-' + col.def, title: t('audit.def.' + col.def) }, t(col.label));
  th.appendChild(a);
  return th;
}

function statCells(tr, row) {
  for (const col of COLUMNS) {
    const v = row[col.key];
    const shown = col.always || row.served > 0 ? number(v, col.digits) : '—';
    tr.appendChild(el('td', { class: 'n num', 'data-key': col.key, 'data-value': v }, shown));
  }
}

function renderStatsTable(container, rows, group) {
  const table = el('table', { class: 'stats', 'data-group': group });
  const thead = el('thead');
  const hr = el('tr');
  hr.appendChild(el('th', { scope: 'col' }, t('audit.col.class')));
  for (const col of COLUMNS) hr.appendChild(headerCell(col));
  thead.appendChild(hr);
  table.appendChild(thead);
  const tbody = el('tbody');
  rows.forEach((row, k) => {
    const tr = el('tr', { 'data-class': row.id });
    const th = el('th', { scope: 'row', class: 'class-cell' });
    th.appendChild(el('span', { class: 'swatch swatch-' + (k % CLASS_COLOURS.length), 'aria-hidden': 'true' }));
    th.appendChild(document.createTextNode(className(row.id)));
    tr.appendChild(th);
    statCells(tr, row);
    tbody.appendChild(tr);
  });
  table.appendChild(tbody);
  container.textContent = '';
  container.appendChild(table);
}

function renderOverrides(list) {
  const box = $('manual-table');
  box.textContent = '';
  if (!list.length) {
    box.appendChild(el('p', { class: 'muted', id: 'manual-none' }, t('audit.manual.none')));
    return;
  }
  const table = el('table', { class: 'overrides' });
  const hr = el('tr');
  for (const k of ['audit.col.day', 'audit.manual.time', 'audit.manual.number', 'audit.manual.counter', 'audit.manual.reason']) {
    hr.appendChild(el('th', { scope: 'col' }, t(k)));
  }
  table.appendChild(el('thead')).appendChild(hr);
  const tbody = el('tbody');
  for (const o of list) {
    const tr = el('tr', { 'data-number': o.number });
    tr.appendChild(el('td', { class: 'num' }, o.day));
    const ms = Date.parse(o.at);
    tr.appendChild(el('td', { class: 'num', title: o.at, 'data-value': o.at }, Number.isFinite(ms) ? formatClock(ms, timeZone(), true) : o.at));
    tr.appendChild(el('td', { class: 'num' }, o.number));
    tr.appendChild(el('td', {}, counterName(state.info, o.counter)));
    tr.appendChild(el('td', { class: 'reason' }, o.reason)); // staff's free text: text only, never markup
    tbody.appendChild(tr);
  }
  table.appendChild(tbody);
  box.appendChild(table);
}

function renderServices(services) {
  const box = $('service-tables');
  box.textContent = '';
  for (const s of services) {
    box.appendChild(el('h3', {}, t('audit.service', { id: s.id, name: serviceName(state.info, s.id) })));
    const wrap = el('div', { class: 'table-wrap' });
    renderStatsTable(wrap, s.classes || [], 'service-' + s.id);
    box.appendChild(wrap);
  }
}

function renderDays(days) {
  const box = $('day-table');
  box.textContent = '';
  const table = el('table', { class: 'stats days', 'data-group': 'days' });
  const hr = el('tr');
  hr.appendChild(el('th', { scope: 'col' }, t('audit.col.day')));
  hr.appendChild(el('th', { scope: 'col' }, t('audit.col.class')));
  for (const col of COLUMNS) hr.appendChild(headerCell(col));
  table.appendChild(el('thead')).appendChild(hr);
  const tbody = el('tbody');
  for (const d of days) {
    const classes = d.classes || [];
    classes.forEach((row, k) => {
      const tr = el('tr', { 'data-day': d.day, 'data-class': row.id });
      if (k === 0) tr.appendChild(el('th', { scope: 'rowgroup', rowspan: classes.length, class: 'num day-cell' }, d.day));
      tr.appendChild(el('th', { scope: 'row', class: 'class-cell' }, className(row.id)));
      statCells(tr, row);
      tbody.appendChild(tr);
    });
  }
  table.appendChild(tbody);
  box.appendChild(table);
}

function renderDefinitions() {
  const dl = $('definitions');
  dl.textContent = '';
  for (const key of DEFINITIONS) {
    // Each definition reads "Term: text"; the term becomes the <dt>.
    const s = t('audit.def.' + key);
    const i = s.search(/[:：]/);
    dl.appendChild(el('dt', { id: 'def-' + key }, i > 0 ? s.slice(0, i) : key));
    const text = i > 0 ? s.slice(i + 1).trim() : s;
    dl.appendChild(el('dd', {}, text.charAt(0).toUpperCase() + text.slice(1)));
  }
}

// ---- charts ----------------------------------------------------------------------

const CW = 380;
const CH = 250;
const M = { l: 48, r: 10, t: 14, b: 62 };

// A "nice" axis from 0: about four steps of 1, 2 or 5 times a power of ten.
function niceAxis(max, integer) {
  let top = max > 0 ? max : 1;
  let step = Math.pow(10, Math.floor(Math.log10(top / 4)));
  const norm = top / 4 / step;
  step *= norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  if (integer) step = Math.max(1, Math.round(step));
  top = Math.ceil(top / step - 1e-9) * step;
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return { top, ticks };
}

function tickText(v) {
  return String(Math.round(v * 1000) / 1000);
}

function chartFrame(titleKey) {
  const root = svg('svg', { viewBox: `0 0 ${CW} ${CH}`, width: CW, height: CH, class: 'chart-svg', role: 'img', 'aria-label': t(titleKey) });
  root.appendChild(svg('title', {}, t(titleKey)));
  return root;
}

// Draws the y axis with grid lines; returns y(v).
function yAxis(root, axis, label) {
  const plotH = CH - M.t - M.b;
  const y = (v) => M.t + plotH - (v / axis.top) * plotH;
  for (const v of axis.ticks) {
    root.appendChild(svg('line', { x1: M.l, x2: CW - M.r, y1: y(v), y2: y(v), class: 'grid', stroke: '#d5dce3', 'stroke-width': 1 }));
    root.appendChild(svg('text', { x: M.l - 5, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, tickText(v)));
  }
  root.appendChild(svg('line', { x1: M.l, x2: M.l, y1: M.t, y2: M.t + plotH, stroke: '#14202b', 'stroke-width': 1 }));
  root.appendChild(svg('line', { x1: M.l, x2: CW - M.r, y1: M.t + plotH, y2: M.t + plotH, stroke: '#14202b', 'stroke-width': 1 }));
  root.appendChild(svg('text', { x: 12, y: M.t + plotH / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${M.t + plotH / 2})`, class: 'axis-label' }, label));
  return y;
}

function noData(root) {
  root.appendChild(svg('text', { x: CW / 2, y: CH / 2, 'text-anchor': 'middle', class: 'no-data' }, t('audit.chart.noData')));
}

// One legend row under the plot: items [{label, colour, dash?, line?}].
function legend(root, items) {
  let x = M.l;
  const y = CH - 10;
  for (const it of items) {
    if (it.line) {
      root.appendChild(svg('line', { x1: x, x2: x + 20, y1: y - 4, y2: y - 4, stroke: it.colour, 'stroke-width': 3, 'stroke-dasharray': it.dash || 'none' }));
      x += 24;
    } else {
      root.appendChild(svg('rect', { x, y: y - 10, width: 11, height: 11, fill: it.colour }));
      x += 15;
    }
    const text = svg('text', { x, y, class: 'legend' }, it.label);
    root.appendChild(text);
    x += Math.max(30, 7 * it.label.length) + 12;
  }
}

// Seconds, or minutes when the largest value is three minutes or more.
function timeUnit(max) {
  return max >= 180 ? { div: 60, label: t('audit.chart.minutes') } : { div: 1, label: t('audit.chart.seconds') };
}

function chartWaits(r) {
  const classes = r.classes || [];
  const root = chartFrame('audit.chart.waits');
  const served = classes.filter((c) => c.served > 0);
  if (!served.length) {
    noData(root);
    return root;
  }
  const unit = timeUnit(Math.max(...served.map((c) => c.wait_max_s)));
  const axis = niceAxis(Math.max(...served.map((c) => c.wait_max_s)) / unit.div, false);
  const y = yAxis(root, axis, unit.label);
  const plotW = CW - M.l - M.r;
  const groupW = plotW / classes.length;
  const barW = (groupW * 0.8) / WAIT_BARS.length;
  classes.forEach((c, k) => {
    const x0 = M.l + k * groupW + groupW * 0.1;
    if (c.served > 0) {
      WAIT_BARS.forEach((b, i) => {
        const v = c[b.key] / unit.div;
        const rect = svg('rect', { x: x0 + i * barW, y: y(v), width: Math.max(1, barW - 1), height: Math.max(0, y(0) - y(v)), fill: b.colour, 'data-class': c.id, 'data-key': b.key });
        rect.appendChild(svg('title', {}, `${className(c.id)} ${b.label()}: ${number(c[b.key], 1)} s`));
        root.appendChild(rect);
      });
    } else {
      root.appendChild(svg('text', { x: M.l + (k + 0.5) * groupW, y: y(0) - 6, 'text-anchor': 'middle', class: 'tick' }, '—'));
    }
    root.appendChild(svg('text', { x: M.l + (k + 0.5) * groupW, y: CH - M.b + 16, 'text-anchor': 'middle', class: 'tick' }, className(c.id)));
  });
  legend(root, WAIT_BARS.map((b) => ({ label: b.label(), colour: b.colour })));
  return root;
}

function chartHours(r) {
  const hours = (r.hours || []).slice().sort((a, b) => a.hour - b.hour);
  const classes = r.classes || [];
  const root = chartFrame('audit.chart.hours');
  const points = [];
  for (const h of hours) for (const c of h.classes || []) if (c.served > 0) points.push(c.wait_mean_s);
  if (!points.length) {
    noData(root);
    return root;
  }
  const unit = timeUnit(Math.max(...points));
  const axis = niceAxis(Math.max(...points) / unit.div, false);
  const y = yAxis(root, axis, unit.label);
  const first = hours[0].hour;
  const last = hours[hours.length - 1].hour + 1;
  const plotW = CW - M.l - M.r;
  const x = (h) => M.l + ((h - first) / (last - first)) * plotW;
  const every = last - first > 12 ? 2 : 1;
  for (let h = first; h <= last; h++) {
    if ((h - first) % every === 0) {
      root.appendChild(svg('text', { x: x(h), y: CH - M.b + 16, 'text-anchor': 'middle', class: 'tick' }, String(h % 24).padStart(2, '0')));
    }
  }
  root.appendChild(svg('text', { x: M.l + plotW / 2, y: CH - M.b + 32, 'text-anchor': 'middle', class: 'axis-label' }, t('audit.chart.hour')));
  classes.forEach((cls, k) => {
    const colour = CLASS_COLOURS[k % CLASS_COLOURS.length];
    const dash = CLASS_DASHES[k % CLASS_DASHES.length] || 'none';
    let run = [];
    let prevHour = null;
    const flush = () => {
      if (run.length > 1) {
        root.appendChild(svg('polyline', { points: run.map((p) => p.join(',')).join(' '), fill: 'none', stroke: colour, 'stroke-width': 2.5, 'stroke-dasharray': dash, 'data-class': cls.id }));
      }
      run = [];
    };
    for (const h of hours) {
      const c = (h.classes || []).find((s) => s.id === cls.id);
      if (!c || !(c.served > 0) || (prevHour !== null && h.hour !== prevHour + 1)) flush();
      prevHour = h.hour;
      if (!c || !(c.served > 0)) continue;
      const p = [x(h.hour + 0.5), y(c.wait_mean_s / unit.div)];
      run.push(p);
      const dot = svg('circle', { cx: p[0], cy: p[1], r: 3.5, fill: colour, 'data-class': cls.id });
      dot.appendChild(svg('title', {}, `${className(cls.id)} ${String(h.hour).padStart(2, '0')}:00: ${number(c.wait_mean_s, 1)} s`));
      root.appendChild(dot);
    }
    flush();
  });
  legend(root, classes.map((c, k) => ({ label: className(c.id), colour: CLASS_COLOURS[k % CLASS_COLOURS.length], dash: CLASS_DASHES[k % CLASS_DASHES.length], line: true })));
  return root;
}

function chartDays(r) {
  const days = r.days || [];
  const classes = r.classes || [];
  const root = chartFrame('audit.chart.days');
  const totals = days.map((d) => sum(d.classes || [], 'served'));
  if (!days.length || Math.max(...totals) <= 0) {
    noData(root);
    return root;
  }
  const axis = niceAxis(Math.max(...totals), true);
  const y = yAxis(root, axis, t('audit.chart.tickets'));
  const plotW = CW - M.l - M.r;
  const band = plotW / days.length;
  const barW = Math.max(2, Math.min(48, band * 0.7));
  const every = Math.ceil(days.length / 8);
  days.forEach((d, i) => {
    const cx = M.l + (i + 0.5) * band;
    let acc = 0;
    classes.forEach((cls, k) => {
      const c = (d.classes || []).find((s) => s.id === cls.id);
      const v = c ? c.served : 0;
      if (v > 0) {
        const rect = svg('rect', { x: cx - barW / 2, y: y(acc + v), width: barW, height: y(acc) - y(acc + v), fill: CLASS_COLOURS[k % CLASS_COLOURS.length], 'data-class': cls.id, 'data-day': d.day });
        rect.appendChild(svg('title', {}, `${d.day} ${className(cls.id)}: ${v}`));
        root.appendChild(rect);
      }
      acc += v;
    });
    if (i % every === 0) {
      root.appendChild(svg('text', { x: cx, y: CH - M.b + 16, 'text-anchor': 'middle', class: 'tick' }, d.day.slice(5)));
    }
  });
  legend(root, classes.map((c, k) => ({ label: className(c.id), colour: CLASS_COLOURS[k % CLASS_COLOURS.length] })));
  return root;
}

function renderCharts(r) {
  const charts = [
    ['chart-waits', chartWaits],
    ['chart-hours', chartHours],
    ['chart-days', chartDays]
  ];
  for (const [id, draw] of charts) {
    const fig = $(id);
    const old = fig.querySelector('svg');
    if (old) old.remove();
    fig.appendChild(draw(r));
  }
}

// ---- wiring ------------------------------------------------------------------------

function showViewer() {
  $('token-form').hidden = true;
  $('token-rejected').hidden = true;
  $('viewer').hidden = false;
  $('signout').hidden = false;
}

function applyTitle() {
  const name = state.info && state.info.branch ? state.info.branch.name : '';
  $('branch').textContent = name ? '— ' + name : '';
  document.title = t('audit.title') + (name ? ' — ' + name : '');
}

function wire() {
  $('token-entry').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('token-input').value.trim();
    if (!v) return;
    storageSet(TOKEN_KEY, v);
    state.token = v;
    $('token-input').value = '';
    showViewer();
    load({ from: $('from').value, to: $('to').value });
  });
  $('signout').addEventListener('click', () => {
    storageSet(TOKEN_KEY, null);
    state.token = null;
    state.report = null;
    state.seq++;
    $('viewer').hidden = true;
    $('report').hidden = true;
    $('signout').hidden = true;
    $('token-form').hidden = false;
  });
  $('range-form').addEventListener('submit', (e) => {
    e.preventDefault();
    load({ from: $('from').value, to: $('to').value });
  });
  const quick = (range) => () => {
    setInputs(range);
    load(range);
  };
  $('quick-today').addEventListener('click', () => quick(rangeToday())());
  $('quick-month').addEventListener('click', () => quick(rangeMonth())());
  $('quick-all').addEventListener('click', () => quick({ from: '', to: '' })());
  for (const id of ['dl-html', 'dl-csv', 'dl-json']) {
    $(id).addEventListener('click', (e) => download(e.currentTarget.dataset.format));
  }
}

async function boot() {
  state.token = takeTokenFromUrl(TOKEN_KEY);
  state.info = await loadInfo((message) => {
    $('boot-error').textContent = message;
    $('boot-error').hidden = false;
  }, 'audit.err.network');
  $('boot-error').hidden = true;
  const langs = state.info.branch && state.info.branch.languages;
  applyTitle();
  mountLangSwitch($('lang'), langs, () => {
    applyTitle();
    if (state.token && state.report) render();
    if (state.error) $('error').textContent = state.error();
    if (!$('token-rejected').hidden && $('token-rejected').dataset.status) {
      $('token-rejected').textContent = t('audit.token.rejected', { status: $('token-rejected').dataset.status });
    }
  });
  state.today = await businessToday();
  const range = rangeFromUrl() || rangeToday();
  setInputs(range);
  wire();
  if (state.token) {
    showViewer();
    load(range);
  } else {
    $('token-form').hidden = false;
  }
}

boot();
