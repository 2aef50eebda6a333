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

/** POST /api/login or /api/register; both answer `{username, token}`. */
export async function authenticate(api: ApiClient, mode: AuthMode, credentials: Credentials): Promise<AuthResponse> {
  const path = mode === 'login' ? '/api/login' : '/api/register';
  return checked(await api.post<AuthResponse>(path, credentials));
}
