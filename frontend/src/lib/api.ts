/**
 * REST calls to the gateway: JSON in and out, the bearer token on every call, and failures
 * turned into `ApiError` carrying the server's `{"error","detail"}`. Access tokens are short
 * lived: a call refused with 401 asks `renew` for a fresh one (the session cookie's) and is
 * sent once more before the session counts as ended.
 */
import type { ErrorBody } from '@/lib/protocol';

export class ApiError extends Error {
  /** HTTP status, or 0 when the server could not be reached. */
  readonly status: number;
  /** The server's error code (`unauthorized`, `taken`, ...), or `network` / `http_<status>`. */
  readonly code: string;
  readonly detail: string;

  constructor(status: number, code: string, detail: string) {
    super(detail === '' ? code : detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  /** The bearer token: a fixed one, or read before every call. */
  token?: string | null | (() => string | null);
  /** A fresh token after a 401 (null: the session ended); the call is then sent again once. */
  renew?: () => Promise<string | null>;
  fetchImpl?: typeof fetch;
  /** Called on a 401 from a call that carried a token and could not be renewed (the session ended). */
  onUnauthorized?: () => void;
}

export type Query = Record<string, string | number | undefined>;

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  /** Resolves once done (`204 No Content`). */
  delete(path: string): Promise<void>;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).error === 'string'
  );
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's HTML page, say)
  }
  if (isErrorBody(body)) {
    return new ApiError(response.status, body.error, typeof body.detail === 'string' ? body.detail : '');
  }
  const reason = response.statusText === '' ? `HTTP ${response.status}` : response.statusText;
  return new ApiError(response.status, `http_${response.status}`, reason);
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetchImpl ?? ((input, init) => globalThis.fetch(input, init));

  const currentToken = (): string | null =>
    typeof options.token === 'function' ? options.token() : (options.token ?? null);

  async function send(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await doFetch(`${options.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: 'same-origin', // the session cookie, for /api/refresh and /api/logout
      });
    } catch {
      throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
    }
  }

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = currentToken();
    let response = await send(method, path, body, token);
    if (response.status === 401 && token && options.renew) {
      const fresh = await options.renew();
      if (fresh) response = await send(method, path, body, fresh);
    }
    if (!response.ok) {
      const error = await toApiError(response);
      if (response.status === 401 && token) options.onUnauthorized?.();
      throw error;
    }
    if (response.status === 204) return null as T;
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(response.status, 'bad_response', 'The server sent a response that is not JSON.');
    }
  }

  return {
    get: (path, query) => request('GET', withQuery(path, query)),
    post: (path, body) => request('POST', path, body),
    put: (path, body) => request('PUT', path, body),
    delete: async (path) => {
      await request<unknown>('DELETE', path);
    },
  };
}

/** Turns anything thrown by a call into a sentence for the user. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.detail === '' ? error.code : error.detail;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
