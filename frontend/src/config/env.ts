/**
 * The UI's configuration, read once from Vite's `import.meta.env` and checked at startup so a
 * bad value fails loudly instead of as a socket that never connects.
 *
 * VITE_PARLEY_GATEWAY (optional): the gateway's origin, `http(s)://host:port` or
 * `ws(s)://host:port`. Unset means "the page's own origin" (the gateway serves the UI, or
 * `npm run dev` proxies /api and /ws to it).
 */

export interface Env {
  /** Prefix for REST calls: '' (same origin) or 'https://host:port'. */
  apiBase: string;
  /** Builds the WebSocket URL for a one-use ticket (`POST /api/ws-ticket`). */
  socketUrl: (ticket: string) => string;
}

export class EnvError extends Error {
  constructor(name: string, value: string, reason: string) {
    super(`${name}=${JSON.stringify(value)} is invalid: ${reason}`);
    this.name = 'EnvError';
  }
}

interface PageLocation {
  protocol: string;
  host: string;
}

export function parseEnv(raw: Record<string, unknown>, location: PageLocation): Env {
  const gateway = typeof raw.VITE_PARLEY_GATEWAY === 'string' ? raw.VITE_PARLEY_GATEWAY.trim() : '';
  if (gateway === '') {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return {
      apiBase: '',
      socketUrl: (ticket) => `${scheme}//${location.host}/ws?ticket=${encodeURIComponent(ticket)}`,
    };
  }
  let url: URL;
  try {
    url = new URL(gateway);
  } catch {
    throw new EnvError('VITE_PARLEY_GATEWAY', gateway, 'expected a URL such as http://127.0.0.1:8000');
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new EnvError('VITE_PARLEY_GATEWAY', gateway, 'use an http(s):// or ws(s):// URL');
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new EnvError('VITE_PARLEY_GATEWAY', gateway, 'give the origin only, without a path');
  }
  const host = url.host;
  return {
    apiBase: `${secure ? 'https:' : 'http:'}//${host}`,
    socketUrl: (ticket) => `${secure ? 'wss:' : 'ws:'}//${host}/ws?ticket=${encodeURIComponent(ticket)}`,
  };
}

/** The page's configuration; throws `EnvError` when a variable is set wrong. */
export function loadEnv(): Env {
  return parseEnv(import.meta.env, window.location);
}
