import { describe, expect, it, vi } from 'vitest';

import { ApiError } from '@/lib/api';

import type { UploadRequest } from './upload-client';
import { createUploadClient, UploadAborted } from './upload-client';

/** An XMLHttpRequest stand-in: records what was asked, and lets the test answer. */
class FakeRequest implements UploadRequest {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: Blob | null = null;
  aborted = false;
  status = 0;
  responseText = '';
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: ((event: ProgressEvent) => void) | null = null;
  onerror: ((event: ProgressEvent) => void) | null = null;
  onabort: ((event: ProgressEvent) => void) | null = null;

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  send(body: Blob): void {
    this.body = body;
  }
  abort(): void {
    this.aborted = true;
    this.onabort?.(new ProgressEvent('abort'));
  }
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.(new ProgressEvent('progress', { lengthComputable: true, loaded, total }));
  }
  answer(status: number, body: unknown): void {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.(new ProgressEvent('load'));
  }
}

function setup(baseUrl = '', renew?: () => Promise<string | null>) {
  const requests: FakeRequest[] = [];
  const onUnauthorized = vi.fn();
  const client = createUploadClient({
    baseUrl,
    token: () => 'tok',
    ...(renew ? { renew } : {}),
    onUnauthorized,
    newRequest: () => {
      const request = new FakeRequest();
      requests.push(request);
      return request;
    },
  });
  return { client, requests, onUnauthorized };
}

const STORED = { id: 'u1', name: 'ünï côde.png', size: 5, type: 'image/png', url: '/files/u1?exp=1&sig=s', thumb: '/files/u1/thumb?exp=1&sig=t', width: 4, height: 3 };

describe('createUploadClient', () => {
  it('posts the raw bytes with the token, the type and the URI-encoded name, reports progress and resolves with the file', async () => {
    const { client, requests } = setup();
    const file = new File(['hello'], 'ünï côde.png', { type: 'image/png' });
    const progress: number[] = [];
    const upload = client.upload(file, (fraction) => progress.push(fraction));
    const request = requests[0]!;
    expect([request.method, request.url]).toEqual(['POST', '/api/uploads']);
    expect(request.headers).toEqual({ Authorization: 'Bearer tok', 'Content-Type': 'image/png', 'X-Filename': encodeURIComponent('ünï côde.png') });
    expect(request.body).toBe(file);
    request.progress(2, 5);
    request.progress(5, 5);
    request.answer(201, STORED);
    await expect(upload.done).resolves.toEqual(STORED);
    expect(progress).toEqual([0.4, 1, 1]);
  });

  it('makes the URLs absolute when the gateway is on another origin', async () => {
    const { client, requests } = setup('https://gw.example');
    const upload = client.upload(new File(['x'], 'a.png', { type: 'image/png' }));
    requests[0]!.answer(201, STORED);
    await expect(upload.done).resolves.toMatchObject({ url: 'https://gw.example/files/u1?exp=1&sig=s', thumb: 'https://gw.example/files/u1/thumb?exp=1&sig=t' });
    expect(requests[0]!.url).toBe('https://gw.example/api/uploads');
  });

  it('sends a file of no known type as application/octet-stream', () => {
    const { client, requests } = setup();
    client.upload(new File(['x'], 'notes'));
    expect(requests[0]!.headers['Content-Type']).toBe('application/octet-stream');
  });

  it.each([
    [413, { error: 'too_large' }, 'too_large', 'big.bin is too large to send.'],
    [413, { error: 'quota' }, 'quota', 'used up your storage'],
    [415, { error: 'unsupported' }, 'unsupported', 'does not look like the image'],
    [422, { error: 'invalid' }, 'invalid', 'could not be sent'],
  ])('turns %i %j into an error that says what happened', async (status, body, code, words) => {
    const { client, requests } = setup();
    const upload = client.upload(new File(['x'], 'big.bin'));
    requests[0]!.answer(status, body);
    const error: unknown = await upload.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status, code });
    expect((error as ApiError).detail).toContain(words);
  });

  it('renews an expired token once and sends the file again; a second 401 ends the session', async () => {
    const renew = vi.fn(() => Promise.resolve<string | null>('fresh'));
    const { client, requests, onUnauthorized } = setup('', renew);
    const upload = client.upload(new File(['x'], 'a.png', { type: 'image/png' }));
    requests[0]!.answer(401, { error: 'unauthorized' });
    await vi.waitFor(() => expect(requests).toHaveLength(2));
    expect(requests[1]!.headers.Authorization).toBe('Bearer fresh');
    requests[1]!.answer(201, STORED);
    await expect(upload.done).resolves.toMatchObject({ id: 'u1' });
    expect(onUnauthorized).not.toHaveBeenCalled();

    const again = client.upload(new File(['x'], 'b.png', { type: 'image/png' }));
    requests[2]!.answer(401, { error: 'unauthorized' });
    await vi.waitFor(() => expect(requests).toHaveLength(4));
    requests[3]!.answer(401, { error: 'unauthorized' });
    await expect(again.done).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('reports a 401 as an expired session, and a network failure as such', async () => {
    const { client, requests, onUnauthorized } = setup();
    const first = client.upload(new File(['x'], 'a.txt'));
    requests[0]!.answer(401, { error: 'unauthorized' });
    await expect(first.done).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledOnce();
    const second = client.upload(new File(['x'], 'a.txt'));
    requests[1]!.onerror?.(new ProgressEvent('error'));
    await expect(second.done).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('aborts: the request stops and the promise rejects with UploadAborted; aborting a finished upload does nothing', async () => {
    const { client, requests } = setup();
    const upload = client.upload(new File(['x'], 'a.txt'));
    upload.abort();
    expect(requests[0]!.aborted).toBe(true);
    await expect(upload.done).rejects.toBeInstanceOf(UploadAborted);

    const done = client.upload(new File(['x'], 'b.txt'));
    requests[1]!.answer(201, { ...STORED, id: 'u2' });
    await done.done;
    done.abort();
    expect(requests[1]!.aborted).toBe(false);
  });

  it('refuses an answer that is not an upload', async () => {
    const { client, requests } = setup();
    const upload = client.upload(new File(['x'], 'a.txt'));
    requests[0]!.answer(201, '<html>');
    await expect(upload.done).rejects.toMatchObject({ code: 'bad_response' });
  });
});
