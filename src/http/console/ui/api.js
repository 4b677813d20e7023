// Every call the console makes goes to the admin API (same origin, the session cookie) — never a second code path.

const API_BASE = '../api/v1';
let csrfToken = '';
const signedOutListeners = new Set();

export function setCsrfToken(token) {
  csrfToken = token ?? '';
}

/** Called when the API answers 401: the session ended (expiry, sign-out elsewhere, a new admin token). */
export function onSignedOut(listener) {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(url, method, body, contentType) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = parsed?.error;
    if (response.status === 401 && url.startsWith(API_BASE)) for (const listener of signedOutListeners) listener();
    throw new ApiError(response.status, error?.code ?? 'http_' + response.status, error?.message ?? `the server answered ${response.status}`);
  }
  return parsed;
}

export const api = {
  get: (path) => request(API_BASE + path, 'GET'),
  post: (path, body = {}) => request(API_BASE + path, 'POST', body),
  put: (path, body) => request(API_BASE + path, 'PUT', body),
  patch: (path, body) => request(API_BASE + path, 'PATCH', body),
  del: (path) => request(API_BASE + path, 'DELETE'),
  postText: (path, text, contentType) => request(API_BASE + path, 'POST', text, contentType),
};

export const session = {
  status: () => request('./session', 'GET'),
  signIn: (token) => request('./session', 'POST', { token }),
  signOut: () => request('./session', 'DELETE'),
};

export const EVENTS_URL = `${API_BASE}/incidents/events`;
