// display.js — the lobby screen: which number goes to which counter.
//
// State comes only from /ws/display (fairq.display.v1): a snapshot on every
// connect, then call / clear / waiting / day messages. That stream carries
// numbers, counter ids and times and nothing else, so this page cannot show
// anything about a customer's status even by mistake.
//
// Every call (and recall) is announced: a two-tone chime made with Web
// Audio, then one spoken sentence per branch language (speechSynthesis).
// Announcements are queued: the next one starts only when the previous one
// has ended, or when its time-out fires (a missing voice must not block the
// queue). window.fairqDisplay.announcements records each spoken sentence
// with its start and end, so tests can check that none overlapped.

import { fetchInfo, parseTime, formatClock, formatDate, counterName } from '/common/api.js';
import { t, initLang, applyI18n, mountLangSwitch } from '/common/i18n.js';
import { ReconnectingSocket } from '/common/ws.js';

const CHIME_MS = 1300;
const FLASH_MS = 10000; // a little longer than the CSS flash (8 x 1.2 s)
// A call seen in a reconnect snapshot is still announced if it is this recent.
const CATCH_UP_MS = 120000;

const observed = { announcements: [], chimes: 0, connected: false, reconnects: 0, snapshots: 0, calls: 0 };
window.fairqDisplay = observed;

const state = {
  info: null,
  calls: [], // newest first: {number, counter, at (ms)}
  waiting: null,
  day: '',
  lastCallAt: 0, // newest `at` seen, to catch up after a reconnect
  snapshots: 0
};

const $ = (id) => document.getElementById(id);

function historySize() {
  const h = state.info && state.info.display && state.info.display.history;
  return typeof h === 'number' && h > 0 ? h : 6;
}

function languages() {
  const l = state.info && state.info.branch && state.info.branch.languages;
  return l && l.length ? l : ['zh-CN', 'en'];
}

function timeZone() {
  return state.info && state.info.branch ? state.info.branch.timezone : undefined;
}

// ---- rendering -------------------------------------------------------------

function render() {
  const calls = state.calls;
  const hero = calls[0];
  $('hero-empty').hidden = !!hero;
  $('hero-ticket').hidden = !hero;
  if (hero) {
    const cname = counterName(state.info, hero.counter);
    $('hero-number').textContent = hero.number;
    $('hero-counter').textContent = cname;
    $('hero').setAttribute('aria-label', t('display.toCounter', { number: hero.number, counter: cname }));
  } else {
    $('hero').removeAttribute('aria-label');
  }

  const list = $('recent');
  list.textContent = '';
  calls.slice(1, historySize()).forEach((c) => {
    const cname = counterName(state.info, c.counter);
    const li = document.createElement('li');
    li.className = 'recent-item';
    li.setAttribute('aria-label', t('display.toCounter', { number: c.number, counter: cname }));
    const n = document.createElement('span');
    n.className = 'recent-number num';
    n.textContent = c.number;
    const k = document.createElement('span');
    k.className = 'recent-counter num';
    const lab = document.createElement('span');
    lab.className = 'recent-counter-label';
    lab.textContent = t('display.counter');
    k.appendChild(lab);
    k.appendChild(document.createTextNode(cname));
    li.appendChild(n);
    li.appendChild(k);
    list.appendChild(li);
  });

  $('waiting').textContent = state.waiting === null ? '–' : String(state.waiting);
  const b = state.info && state.info.branch;
  $('branch-name').textContent = b ? b.name || b.id : '';
  document.title = (b && b.name ? b.name + ' — ' : '') + t('display.title');
}

let flashTimer = null;
function flashNewest() {
  const el = $('hero');
  el.classList.remove('flash');
  void el.offsetWidth; // restart the CSS animation
  el.classList.add('flash', 'is-new');
  if (flashTimer) window.clearTimeout(flashTimer);
  flashTimer = window.setTimeout(() => el.classList.remove('flash'), FLASH_MS);
}

function tickClock() {
  const now = Date.now();
  $('clock').textContent = formatClock(now, timeZone(), false);
  $('clock').setAttribute('datetime', new Date(now).toISOString());
  $('date').textContent = formatDate(now, timeZone(), document.documentElement.lang);
}

// ---- audio -----------------------------------------------------------------

let audioCtx = null;

function audioContext() {
  if (audioCtx) return audioCtx;
  const Ctor = window.AudioContext || window.webkitAudioContext;
  if (!Ctor) return null;
  try {
    audioCtx = new Ctor();
  } catch (e) {
    audioCtx = null;
  }
  return audioCtx;
}

let showSoundPrompt = () => {};

// Shows the "click to enable sound" prompt while the browser keeps audio
// suspended (autoplay policy); the first click or key press unlocks it.
function setupAudioUnlock() {
  const ctx = audioContext();
  const overlay = $('sound-overlay');
  const unlock = () => {
    if (ctx && ctx.state !== 'running') ctx.resume().catch(() => {});
    // A silent utterance inside the gesture lets speech play later too.
    if (window.speechSynthesis && window.SpeechSynthesisUtterance) {
      try {
        const u = new SpeechSynthesisUtterance(' ');
        u.volume = 0;
        window.speechSynthesis.speak(u);
      } catch (e) {
        // speech unavailable; the chime still works
      }
    }
    overlay.hidden = true;
    document.removeEventListener('pointerdown', unlock, true);
    document.removeEventListener('keydown', unlock, true);
  };
  showSoundPrompt = () => {
    overlay.hidden = false;
    document.addEventListener('pointerdown', unlock, true);
    document.addEventListener('keydown', unlock, true);
  };
  if (!ctx) return;
  const check = () => {
    if (ctx.state === 'running') {
      overlay.hidden = true;
      return;
    }
    showSoundPrompt();
  };
  if (ctx.state === 'running') return;
  ctx.resume().then(check, check);
  window.setTimeout(check, 400);
}

function tone(ctx, freq, start, dur) {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'sine';
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.35, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + dur);
  osc.connect(gain);
  gain.connect(ctx.destination);
  osc.start(start);
  osc.stop(start + dur + 0.05);
}

// Ding-dong (E5 then C5). Resolves when it has finished playing.
function chime() {
  observed.chimes++;
  const ctx = audioContext();
  if (ctx && ctx.state === 'running') {
    try {
      const t0 = ctx.currentTime + 0.02;
      tone(ctx, 659.25, t0, 0.7);
      tone(ctx, 523.25, t0 + 0.45, 0.8);
    } catch (e) {
      // no sound this time; the sentence still follows
    }
  }
  return new Promise((resolve) => window.setTimeout(resolve, CHIME_MS));
}

// "A047" spoken digit by digit: "A 0 4 7" in English, "A 零 四 七" in Chinese,
// so a TTS voice does not read it as "A forty-seven".
const ZH_DIGITS = '零一二三四五六七八九';
function spell(number, lang) {
  const parts = [];
  for (const ch of String(number)) {
    if (ch >= '0' && ch <= '9' && lang.indexOf('zh') === 0) parts.push(ZH_DIGITS[ch.charCodeAt(0) - 48]);
    else parts.push(ch);
  }
  return parts.join(' ');
}

function findVoice(lang) {
  if (!window.speechSynthesis) return null;
  const voices = window.speechSynthesis.getVoices() || [];
  const lower = lang.toLowerCase();
  const base = lower.split('-')[0];
  let best = null;
  for (const v of voices) {
    const vl = (v.lang || '').toLowerCase().replace('_', '-');
    if (vl === lower) return v;
    if (!best && vl.split('-')[0] === base) best = v;
  }
  return best;
}

// Speaks one sentence and resolves when it has ended, failed, or run out of
// time. The time-out is generous (a slow voice is not cut off: we never
// cancel it) but bounded, so a voice that never reports its end cannot stop
// the lobby's announcements.
const speaking = new Set();

function speak(text, lang) {
  const entry = { text, lang, startedAt: Date.now(), endedAt: null, outcome: 'pending' };
  observed.announcements.push(entry);
  return new Promise((resolve) => {
    let done = false;
    let timer = null;
    let u = null;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      if (u) speaking.delete(u);
      if (timer) window.clearTimeout(timer);
      entry.endedAt = Date.now();
      entry.outcome = outcome;
      resolve();
    };
    const budget = Math.min(12000, 2500 + text.length * 180);
    timer = window.setTimeout(() => finish('timeout'), budget);
    if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) {
      // No speech at all: keep the pacing of a spoken sentence anyway.
      return;
    }
    try {
      u = new SpeechSynthesisUtterance(text);
      u.lang = lang;
      const v = findVoice(lang);
      if (v) u.voice = v;
      u.rate = 0.9;
      u.onend = () => finish('ended');
      u.onerror = (ev) => {
        entry.error = ev && ev.error ? String(ev.error) : 'error';
        // Speech needs a user gesture on some browsers: ask for the click.
        if (entry.error === 'not-allowed') showSoundPrompt();
        finish('error');
      };
      // Hold a reference until it ends: Chrome drops the events of an
      // utterance that was garbage-collected while speaking.
      speaking.add(u);
      window.speechSynthesis.speak(u);
    } catch (e) {
      finish('error');
    }
  });
}

const queue = [];
let busy = false;

function announce(call) {
  // The same call waiting twice in the queue is said once.
  for (const q of queue) if (q.number === call.number && q.counter === call.counter) return;
  queue.push({ number: call.number, counter: call.counter });
  if (!busy) runQueue();
}

async function runQueue() {
  busy = true;
  while (queue.length) {
    const item = queue.shift();
    await chime();
    for (const lang of languages()) {
      const cname = counterName(state.info, item.counter);
      const text = t('display.announce', { number: spell(item.number, lang), counter: cname }, lang);
      await speak(text, lang);
    }
  }
  busy = false;
}

// ---- the stream --------------------------------------------------------------

function onSnapshot(msg) {
  state.snapshots++;
  observed.snapshots = state.snapshots;
  const calls = (msg.calls || []).map((c) => ({ number: c.number, counter: c.counter, at: parseTime(c.at) || 0 }));
  calls.sort((a, b) => b.at - a.at);
  const previousNewest = state.lastCallAt;
  const first = state.snapshots === 1;
  const oldHero = state.calls[0];
  state.calls = calls.slice(0, historySize());
  state.waiting = typeof msg.waiting === 'number' ? msg.waiting : state.waiting;
  state.day = msg.day || state.day;
  if (calls.length) state.lastCallAt = Math.max(state.lastCallAt, calls[0].at);
  render();
  if (!first) {
    // Calls made while we were offline: show and announce the recent ones.
    const now = Date.now();
    const missed = calls.filter((c) => c.at > previousNewest && now - c.at < CATCH_UP_MS).reverse();
    missed.forEach(announce);
    const newHero = state.calls[0];
    if (newHero && (!oldHero || oldHero.number !== newHero.number || oldHero.at !== newHero.at) && missed.length) {
      flashNewest();
    }
  }
}

function onCall(msg) {
  observed.calls++;
  const at = parseTime(msg.at) || Date.now();
  state.calls = state.calls.filter((c) => c.number !== msg.number);
  state.calls.unshift({ number: msg.number, counter: msg.counter, at });
  state.calls = state.calls.slice(0, historySize());
  state.lastCallAt = Math.max(state.lastCallAt, at);
  render();
  flashNewest();
  announce(msg);
}

function onMessage(msg) {
  switch (msg.type) {
    case 'snapshot':
      onSnapshot(msg);
      break;
    case 'call':
      onCall(msg);
      break;
    case 'clear':
      state.calls = state.calls.filter((c) => c.number !== msg.number);
      render();
      break;
    case 'waiting':
      state.waiting = msg.waiting;
      render();
      break;
    case 'day':
      state.day = msg.day;
      state.calls = [];
      render();
      break;
    default:
      break; // unknown types are ignored: newer servers may add some
  }
}

async function loadInfo() {
  try {
    state.info = await fetchInfo();
    return true;
  } catch (e) {
    return false;
  }
}

async function boot() {
  // The screen must come up even if /api/v1/info is late: retry until it answers.
  while (!(await loadInfo())) {
    await new Promise((r) => window.setTimeout(r, 3000));
  }
  initLang(state.info.branch && state.info.branch.languages);
  applyI18n(document);
  mountLangSwitch($('lang'), state.info.branch && state.info.branch.languages, () => {
    render();
    tickClock();
  });
  render();
  tickClock();
  window.setInterval(tickClock, 1000);
  setupAudioUnlock();

  const sock = new ReconnectingSocket('/ws/display', 'fairq.display.v1', {
    onOpen: () => {
      loadInfo().then((ok) => {
        if (ok) render();
      });
    },
    onMessage,
    onStatus: (connected) => {
      observed.connected = connected;
      observed.reconnects = sock.reconnects;
      $('offline').hidden = connected;
    }
  });
  $('offline').hidden = true;
  sock.start();
}

boot();
