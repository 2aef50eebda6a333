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

describe('api client with a short-lived token', () => {
  it('reads the token before every call', async () => {
    const fetchImpl = vi.fn<typeof fetch>(() => Promise.resolve(json(200, {})));
    let token = 'first';
    const api = createApiClient({ baseUrl: '', token: () => token, fetchImpl });
    await api.get('/api/me');
    token = 'second';
    await api.get('/api/me');
    const sent = fetchImpl.mock.calls.map(([, init]) => new Headers(init?.headers).get('Authorization'));
    expect(sent).toEqual(['Bearer first', 'Bearer second']);
  });

  it('renews an expired token once and sends the call again', async () => {
    const fetchImpl = vi.fn<typeof fetch>((_, init) =>
      Promise.resolve(
        new Headers(init?.headers).get('Authorization') === 'Bearer fresh' ? json(200, { ok: true }) : json(401, { error: 'unauthorized', detail: 'expired' }),
      ),
    );
    const renew = vi.fn(() => Promise.resolve('fresh'));
    const onUnauthorized = vi.fn();
    const api = createApiClient({ baseUrl: '', token: 'stale', renew, fetchImpl, onUnauthorized });
    await expect(api.post('/api/rooms', { name: 'x' })).resolves.toEqual({ ok: true });
    expect(renew).toHaveBeenCalledOnce();
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    expect(fetchImpl.mock.calls[1]![1]?.body).toBe('{"name":"x"}');
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('gives up when the session cannot be renewed', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(json(401, { error: 'unauthorized', detail: 'ended' }));
    const onUnauthorized = vi.fn();
    const api = createApiClient({ baseUrl: '', token: 'stale', renew: () => Promise.resolve(null), fetchImpl, onUnauthorized });
    await expect(api.get('/api/me')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(fetchImpl).toHaveBeenCalledOnce();
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('sends the session cookie along (same origin)', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(json(200, {}));
    await createApiClient({ baseUrl: '', fetchImpl }).post('/api/refresh', {});
    expect(fetchImpl.mock.calls[0]![1]?.credentials).toBe('same-origin');
  });
});
