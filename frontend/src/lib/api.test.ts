import { describe, expect, it, vi } from 'vitest';

import { ApiError, createApiClient, errorText } from './api';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('api client', () => {
  it('sends the bearer token and query, and returns the JSON body', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(json(200, { messages: [] }));
    const api = createApiClient({ baseUrl: 'http://gw', token: 'abc', fetchImpl });
    await expect(api.get('/api/rooms/general/messages', { before: 'X1', limit: 50, skip: undefined })).resolves.toEqual({ messages: [] });
    const [url, init] = fetchImpl.mock.calls[0]!;
    expect(url).toBe('http://gw/api/rooms/general/messages?before=X1&limit=50');
    expect(new Headers(init?.headers).get('Authorization')).toBe('Bearer abc');
  });

  it('posts JSON without a token when there is none', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(json(201, { username: 'ann', token: 't' }));
    const api = createApiClient({ baseUrl: '', fetchImpl });
    await api.post('/api/register', { username: 'ann', password: 'secret123' });
    const [, init] = fetchImpl.mock.calls[0]!;
    expect(init?.method).toBe('POST');
    expect(init?.body).toBe('{"username":"ann","password":"secret123"}');
    expect(new Headers(init?.headers).has('Authorization')).toBe(false);
  });

  it('turns {"error","detail"} into a typed ApiError', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(json(409, { error: 'taken', detail: 'That name is taken.' }));
    const api = createApiClient({ baseUrl: '', fetchImpl });
    const error = await api.post('/api/register', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'taken', detail: 'That name is taken.' });
    expect(errorText(error)).toBe('That name is taken.');
  });

  it('reports a non-JSON error page and a network failure', async () => {
    const html = vi.fn<typeof fetch>().mockResolvedValue(new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(createApiClient({ baseUrl: '', fetchImpl: html }).get('/api/rooms')).rejects.toMatchObject({
      status: 502,
      code: 'http_502',
    });
    const down = vi.fn<typeof fetch>().mockRejectedValue(new TypeError('Failed to fetch'));
    await expect(createApiClient({ baseUrl: '', fetchImpl: down }).get('/api/rooms')).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('calls onUnauthorized on a 401 to an authenticated call', async () => {
    const onUnauthorized = vi.fn();
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(json(401, { error: 'unauthorized', detail: 'Bad token' }));
    await expect(createApiClient({ baseUrl: '', token: 'old', fetchImpl, onUnauthorized }).get('/api/rooms')).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledOnce();
    // a failed login is a 401 too, but not an expired session
    await expect(createApiClient({ baseUrl: '', fetchImpl, onUnauthorized }).post('/api/login', {})).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });
});
