/**
 * Signed URLs of uploads (`GET /api/uploads/{id}`), cached per id until shortly before
 * they expire (their `exp` query parameter, in seconds since the epoch; an hour by default).
 * An <img> that fails to load calls `invalidate`, so the next `get` asks the server again.
 * Concurrent `get`s for one id share one request.
 */
import type { ApiClient } from '@/lib/api';
import type { UploadInfo } from '@/lib/files-protocol';
import { parseUploadInfo, withBase } from '@/lib/files-protocol';

/** Refetch this long before a URL's expiry, so a page shown now still loads. */
const MARGIN_MS = 60_000;
/** When a URL has no readable expiry: keep it this long. */
const DEFAULT_TTL_MS = 10 * 60_000;

export interface UploadUrls {
  get(id: string): Promise<UploadInfo>;
  /** The cached answer, when fresh (to render without waiting). */
  peek(id: string): UploadInfo | undefined;
  /** Forget `id` (its URL failed): the next get fetches fresh URLs. */
  invalidate(id: string): void;
  /** Keep an answer already in hand (the upload's own). */
  remember(info: UploadInfo): void;
}

/** When a signed URL stops working (epoch ms), from its `exp` parameter. */
export function expiryOf(url: string, fallback: number): number {
  const match = /[?&]exp=(\d+)/.exec(url);
  if (!match?.[1]) return fallback;
  const seconds = Number(match[1]);
  return Number.isFinite(seconds) ? seconds * 1000 : fallback;
}

export function createUploadUrls(api: Pick<ApiClient, 'get'>, baseUrl = '', now: () => number = Date.now): UploadUrls {
  const cache = new Map<string, { info: UploadInfo; until: number }>();
  const inFlight = new Map<string, Promise<UploadInfo>>();

  function remember(info: UploadInfo): void {
    const until = Math.min(expiryOf(info.url, now() + DEFAULT_TTL_MS), info.thumb === undefined ? Infinity : expiryOf(info.thumb, Infinity)) - MARGIN_MS;
    cache.set(info.id, { info, until });
  }

  function peek(id: string): UploadInfo | undefined {
    const hit = cache.get(id);
    return hit !== undefined && hit.until > now() ? hit.info : undefined;
  }

  return {
    peek,
    remember,
    invalidate: (id) => {
      cache.delete(id);
    },
    get(id) {
      const fresh = peek(id);
      if (fresh) return Promise.resolve(fresh);
      const pending = inFlight.get(id);
      if (pending) return pending;
      const request = api
        .get<unknown>(`/api/uploads/${encodeURIComponent(id)}`)
        .then((body) => {
          const parsed = parseUploadInfo(body);
          if (parsed === null) throw new Error('The server sent an answer that is not an upload.');
          const info = withBase(parsed, baseUrl);
          remember(info);
          return info;
        })
        .finally(() => inFlight.delete(id));
      inFlight.set(id, request);
      return request;
    },
  };
}
