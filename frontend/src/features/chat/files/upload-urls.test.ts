import { describe, expect, it, vi } from 'vitest';

import { createUploadUrls, expiryOf } from './upload-urls';

const info = (id: string, exp: number) => ({ id, name: `${id}.png`, size: 1, type: 'image/png', url: `/files/${id}?exp=${exp}&sig=s`, width: 1, height: 1 });

describe('createUploadUrls', () => {
  it('reads the expiry from the URL', () => {
    expect(expiryOf('/files/a?exp=1700000000&sig=x', 0)).toBe(1_700_000_000_000);
    expect(expiryOf('/files/a', 42)).toBe(42);
  });

  it('asks once for concurrent gets, serves from the cache until shortly before expiry, then asks again', async () => {
    let now = 1_000_000_000_000;
    const get = vi.fn((path: string) => Promise.resolve(info(path.split('/').at(-1) ?? '', now / 1000 + 3600) as unknown));
    const urls = createUploadUrls({ get: get as never }, '', () => now);
    const [a, b] = await Promise.all([urls.get('u1'), urls.get('u1')]);
    expect(a).toBe(b);
    expect(get).toHaveBeenCalledOnce();
    expect(get).toHaveBeenCalledWith('/api/uploads/u1');
    await urls.get('u1');
    expect(get).toHaveBeenCalledOnce();
    expect(urls.peek('u1')).toBe(a);
    now += 3600_000 - 30_000; // within the last minute of its life: stale
    expect(urls.peek('u1')).toBeUndefined();
    await urls.get('u1');
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('forgets an id whose URL failed, and keeps an upload’s own answer', async () => {
    const now = 1_000_000_000_000;
    const get = vi.fn(() => Promise.resolve(info('u1', now / 1000 + 3600) as unknown));
    const urls = createUploadUrls({ get: get as never }, 'https://gw', () => now);
    const first = await urls.get('u1');
    expect(first.url.startsWith('https://gw/files/u1')).toBe(true);
    urls.invalidate('u1');
    await urls.get('u1');
    expect(get).toHaveBeenCalledTimes(2);
    urls.remember(info('u9', now / 1000 + 3600));
    await urls.get('u9');
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('rejects when the answer is not an upload, and asks again next time', async () => {
    const get = vi.fn(() => Promise.resolve({ nope: true } as unknown));
    const urls = createUploadUrls({ get: get as never });
    await expect(urls.get('u1')).rejects.toThrow('not an upload');
    await expect(urls.get('u1')).rejects.toThrow();
    expect(get).toHaveBeenCalledTimes(2);
  });
});
