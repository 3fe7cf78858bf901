// ws.js — a WebSocket that keeps itself connected.
//
// ReconnectingSocket opens ws(s)://<this host><path> with one subprotocol,
// hands every JSON message to onMessage in order, and when the connection
// drops it tries again after an exponential back-off with jitter (1 s, 2 s,
// 4 s ... capped at 30 s, each drawn from 75%..125% of its step so a hall
// full of screens does not reconnect in lock-step after a server restart).
//
// Every fairq stream numbers its messages with `seq`, growing by one. A gap
// means we missed something, so the socket is closed and reopened at once:
// the server starts every connection with a fresh snapshot. Close codes in
// `fatalCodes` (4401: token rejected) stop the retries for good.

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

function socketUrl(path) {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return scheme + '//' + window.location.host + path;
}

export class ReconnectingSocket {
  // handlers: onOpen(sock) after the handshake (send auth there),
  // onMessage(msg) per in-order message, onStatus(connected: bool),
  // onFatal(code, reason) when a fatal close code stops the retries.
  constructor(path, protocol, handlers, opts) {
    const o = opts || {};
    this.path = path;
    this.protocol = protocol;
    this.h = handlers || {};
    this.fatalCodes = o.fatalCodes || [];
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.lastSeq = null;
    this.stopped = true;
    this.connected = null; // unknown until the first attempt ends either way
    this.reconnects = 0; // observability for tests and the status line
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    if (this.timer) window.clearTimeout(this.timer);
    this.timer = null;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      try {
        ws.close(1000);
      } catch (e) {
        // already closed
      }
    }
    this.setConnected(false);
  }

  send(obj) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  // Drops the connection and opens a new one right away (a new snapshot).
  resync() {
    this.dropAndRetry(0);
  }

  setConnected(v) {
    if (this.connected === v) return;
    this.connected = v;
    if (this.h.onStatus) this.h.onStatus(v);
  }

  open() {
    this.timer = null;
    if (this.stopped) return;
    this.lastSeq = null;
    let ws;
    try {
      ws = new WebSocket(socketUrl(this.path), this.protocol);
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.setConnected(true);
      if (this.h.onOpen) this.h.onOpen(this);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch (e) {
        return; // not ours; ignore rather than tear down a working link
      }
      if (typeof msg.seq === 'number') {
        if (this.lastSeq !== null && msg.seq !== this.lastSeq + 1) {
          this.resync();
          return;
        }
        this.lastSeq = msg.seq;
      }
      // A healthy stream resets the back-off.
      this.attempt = 0;
      if (this.h.onMessage) this.h.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setConnected(false);
      if (this.fatalCodes.indexOf(ev.code) >= 0) {
        this.stopped = true;
        if (this.h.onFatal) this.h.onFatal(ev.code, ev.reason);
        return;
      }
      this.scheduleRetry();
    };
    // onerror is always followed by onclose; nothing to do here.
    ws.onerror = () => {};
  }

  dropAndRetry(delayMs) {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      try {
        ws.close(1000);
      } catch (e) {
        // already closed
      }
    }
    this.setConnected(false);
    if (this.timer) window.clearTimeout(this.timer);
    this.reconnects++;
    this.timer = window.setTimeout(() => this.open(), delayMs);
  }

  scheduleRetry() {
    if (this.stopped) return;
    const step = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * Math.pow(2, this.attempt));
    this.attempt = Math.min(this.attempt + 1, 10);
    const jittered = step * (0.75 + Math.random() * 0.5);
    const delay = Math.max(MIN_DELAY_MS, Math.min(MAX_DELAY_MS, jittered));
    if (this.timer) window.clearTimeout(this.timer);
    this.reconnects++;
    this.timer = window.setTimeout(() => this.open(), delay);
  }
}
