// api.js — the one place the pages talk HTTP to the fairq server.
//
// apiRequest() sends JSON, parses JSON, and turns every failure into an
// ApiError carrying the HTTP status and the server's {"error":{code,message}}
// so pages can show the server's own words. Tokens are kept in localStorage
// under a per-role key; takeTokenFromUrl() moves a ?token=... from the
// address bar into storage once, so it does not stay visible on screen, in
// the history or in a photo of the screen.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || ('HTTP ' + status));
    this.name = 'ApiError';
    this.status = status; // 0 when the server could not be reached
    this.code = code || '';
  }
}

// Sends `method path` with an optional JSON body and bearer token.
// Resolves to the parsed JSON body (or null when there is none); rejects
// with ApiError on network errors, non-2xx answers and unparsable bodies.
export async function apiRequest(method, path, opts) {
  const o = opts || {};
  const headers = { Accept: 'application/json' };
  let body;
  if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.body);
  }
  if (o.token) headers.Authorization = 'Bearer ' + o.token;
  let res;
  try {
    res = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'network', 'network');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      if (res.ok) throw new ApiError(res.status, 'bad_response', 'bad_response');
    }
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(res.status, err.code || '', err.message || '');
  }
  return data;
}

export function apiGet(path, token) {
  return apiRequest('GET', path, { token });
}

export function apiPost(path, body, token) {
  return apiRequest('POST', path, { body, token });
}

// GET /api/v1/info: branch, services, counters, kiosk classes, display
// settings. Public; every page starts with it.
export function fetchInfo() {
  return apiGet('/api/v1/info');
}

function storageGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (e) {
    return null; // storage disabled (private mode, locked-down kiosk)
  }
}

function storageSet(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch (e) {
    // Not fatal: the page keeps working for this visit.
  }
}

export { storageGet, storageSet };

// Reads ?token= from the address bar, stores it under `key`, and removes it
// from the URL with history.replaceState. Returns the stored token (the new
// one if the URL had one), or null.
export function takeTokenFromUrl(key) {
  let fromUrl = null;
  try {
    const url = new URL(window.location.href);
    fromUrl = url.searchParams.get('token');
    if (fromUrl !== null) {
      url.searchParams.delete('token');
      const rest = url.searchParams.toString();
      window.history.replaceState(null, '', url.pathname + (rest ? '?' + rest : '') + url.hash);
    }
  } catch (e) {
    fromUrl = null;
  }
  if (fromUrl) storageSet(key, fromUrl.trim());
  return storageGet(key);
}

// Parses an ISO-8601 time from the server into epoch milliseconds (NaN if
// absent or malformed).
export function parseTime(iso) {
  if (!iso) return NaN;
  return Date.parse(iso);
}

// Formats epoch ms as HH:MM (or HH:MM:SS) in the branch's time zone, falling
// back to the device's zone on browsers without Intl time-zone support.
export function formatClock(ms, timeZone, withSeconds) {
  const d = new Date(ms);
  const opts = { hour: '2-digit', minute: '2-digit', hour12: false };
  if (withSeconds) opts.second = '2-digit';
  try {
    if (timeZone) opts.timeZone = timeZone;
    return new Intl.DateTimeFormat('en-GB', opts).format(d);
  } catch (e) {
    const p = (n) => (n < 10 ? '0' : '') + n;
    return p(d.getHours()) + ':' + p(d.getMinutes()) + (withSeconds ? ':' + p(d.getSeconds()) : '');
  }
}

// Formats epoch ms as a date line in the branch's zone, in `lang`.
export function formatDate(ms, timeZone, lang) {
  const d = new Date(ms);
  const opts = { year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' };
  try {
    if (timeZone) opts.timeZone = timeZone;
    return new Intl.DateTimeFormat(lang, opts).format(d);
  } catch (e) {
    return d.toDateString();
  }
}

// Name of a counter from /api/v1/info, or its id when unknown.
export function counterName(info, id) {
  if (info && info.counters) {
    for (const c of info.counters) if (c.id === id) return c.name || id;
  }
  return id;
}

// Name of a service from /api/v1/info, or its id when unknown.
export function serviceName(info, id) {
  if (info && info.services) {
    for (const s of info.services) if (s.id === id) return s.name || id;
  }
  return id;
}
