/**
 * Signing in and out (docs/PROTOCOL.md 2.3). Login and register answer `{username, token,
 * expires_in}` and set the HttpOnly session cookie; `refresh` trades that cookie for a fresh
 * access token; `logout` ends this session, `logoutEverywhere` every session of the account.
 */
import type { ApiClient } from '@/lib/api';
import { ApiError } from '@/lib/api';
import type { AuthResponse, Credentials } from '@/lib/protocol';

export type AuthMode = 'login' | 'register';

function checked(body: AuthResponse): AuthResponse {
  if (typeof body.username !== 'string' || typeof body.token !== 'string') {
    throw new ApiError(200, 'bad_response', 'The server answered without a token.');
  }
  return { username: body.username, token: body.token };
}

/** POST /api/login or /api/register; both answer `{username, token}` and set the session cookie. */
export async function authenticate(api: ApiClient, mode: AuthMode, credentials: Credentials): Promise<AuthResponse> {
  const path = mode === 'login' ? '/api/login' : '/api/register';
  return checked(await api.post<AuthResponse>(path, credentials));
}

/** POST /api/refresh: the session cookie's user and a fresh token; null when there is no session. */
export async function refresh(api: ApiClient): Promise<AuthResponse | null> {
  try {
    return checked(await api.post<AuthResponse>('/api/refresh', {}));
  } catch (error) {
    if (error instanceof ApiError && error.status !== 0 && error.status < 500) return null;
    throw error;
  }
}

/** POST /api/logout (this session) or /api/logout-all (every device); the cookie is cleared either way. */
export async function logout(api: ApiClient, everywhere = false): Promise<void> {
  await api.post<unknown>(everywhere ? '/api/logout-all' : '/api/logout', {});
}

/** POST /api/ws-ticket: a one-use ticket that opens one socket (`/ws?ticket=`), keeping tokens out of URLs. */
export async function socketTicket(api: ApiClient): Promise<string> {
  const body = await api.post<{ ticket?: unknown }>('/api/ws-ticket', {});
  if (typeof body.ticket !== 'string') throw new ApiError(200, 'bad_response', 'The server answered without a ticket.');
  return body.ticket;
}

/**
 * POST /api/password: every session of the account ends, on every device; this one gets a new
 * session (cookie) and the token in the answer. A wrong `current` is `403 wrong_password`.
 */
export async function changePassword(api: ApiClient, current: string, next: string): Promise<AuthResponse> {
  return checked(await api.post<AuthResponse>('/api/password', { current, new: next }));
}
