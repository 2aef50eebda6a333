/**
 * Uploads a file to the gateway (`POST /api/uploads`) with XMLHttpRequest, the one
 * browser API that reports upload progress: the raw bytes as the body, the browser's idea of
 * the type as Content-Type, the name URI-encoded in `X-Filename`. Each upload can be aborted.
 * Refusals become an `ApiError` whose detail says what to do (too large, quota, not an image).
 */
import { ApiError } from '@/lib/api';
import type { UploadInfo } from '@/lib/files-protocol';
import { parseUploadInfo, withBase } from '@/lib/files-protocol';

/** The part of XMLHttpRequest an upload uses (tests give a fake). */
export interface UploadRequest {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null };
  onload: ((event: ProgressEvent) => void) | null;
  onerror: ((event: ProgressEvent) => void) | null;
  onabort: ((event: ProgressEvent) => void) | null;
}

export interface UploadClientOptions {
  baseUrl: string;
  /** The access token now (read for each request). */
  token: () => string | null;
  /** A fresh token after a 401 (null: the session ended); the upload is then sent again once. */
  renew?: () => Promise<string | null>;
  /** Makes a request (default: a new XMLHttpRequest). */
  newRequest?: () => UploadRequest;
  /** Called on a 401 that no renewal cured (the session ended). */
  onUnauthorized?: () => void;
}

export interface Upload {
  /** Resolves with the stored file; rejects with an ApiError, or an `UploadAborted`. */
  done: Promise<UploadInfo>;
  abort: () => void;
}

export class UploadAborted extends Error {
  constructor() {
    super('The upload was cancelled.');
    this.name = 'UploadAborted';
  }
}

/** What a refusal means for the person uploading. */
export function uploadErrorText(status: number, code: string, name: string): string {
  if (status === 413 && code === 'quota') return `${name} was not sent: you have used up your storage for files. Delete some and try again.`;
  if (status === 413) return `${name} is too large to send.`;
  if (status === 415) return `${name} does not look like the image its type claims; it was not sent.`;
  if (status === 422) return `${name} could not be sent: it is empty, its name is not allowed, or the image has too many pixels.`;
  if (status === 0) return `${name} was not sent: could not reach the server.`;
  return `${name} was not sent (HTTP ${status}).`;
}

function errorCode(responseText: string): string {
  try {
    const body: unknown = JSON.parse(responseText);
    if (typeof body === 'object' && body !== null) {
      const code = (body as Record<string, unknown>).error;
      if (typeof code === 'string') return code;
    }
  } catch {
    // not JSON
  }
  return '';
}

export interface UploadClient {
  /** Starts uploading `file`; `onProgress` gets the fraction sent (0 to 1). */
  upload(file: File, onProgress?: (fraction: number) => void): Upload;
}

export function createUploadClient(options: UploadClientOptions): UploadClient {
  const newRequest = options.newRequest ?? (() => new XMLHttpRequest());
  /** One request; resolves with the file, or rejects with an ApiError (its status) or UploadAborted. */
  function attempt(file: File, token: string | null, onProgress: ((fraction: number) => void) | undefined, request: UploadRequest): Promise<UploadInfo> {
    return new Promise<UploadInfo>((resolve, reject) => {
      request.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress?.(Math.min(1, event.loaded / event.total));
      };
      request.onload = () => {
        if (request.status === 201 || request.status === 200) {
          let body: unknown = null;
          try {
            body = JSON.parse(request.responseText);
          } catch {
            // handled below
          }
          const info = parseUploadInfo(body);
          if (info === null) {
            reject(new ApiError(request.status, 'bad_response', 'The server sent an answer that is not an upload.'));
            return;
          }
          onProgress?.(1);
          resolve(withBase(info, options.baseUrl));
          return;
        }
        const code = errorCode(request.responseText) || `http_${request.status}`;
        reject(new ApiError(request.status, code, uploadErrorText(request.status, code, file.name)));
      };
      request.onerror = () => reject(new ApiError(0, 'network', uploadErrorText(0, 'network', file.name)));
      request.onabort = () => reject(new UploadAborted());
      request.open('POST', `${options.baseUrl}/api/uploads`);
      if (token !== null) request.setRequestHeader('Authorization', `Bearer ${token}`);
      request.setRequestHeader('Content-Type', file.type === '' ? 'application/octet-stream' : file.type);
      request.setRequestHeader('X-Filename', encodeURIComponent(file.name));
      request.send(file);
    });
  }

  return {
    upload(file, onProgress) {
      let current = newRequest();
      let settled = false;
      let aborted = false;
      const run = async (): Promise<UploadInfo> => {
        try {
          return await attempt(file, options.token(), onProgress, current);
        } catch (error: unknown) {
          if (!(error instanceof ApiError) || error.status !== 401) throw error;
          // An expired access token: renew it once and send the file again.
          const fresh = options.renew ? await options.renew() : null;
          if (fresh === null) {
            options.onUnauthorized?.();
            throw error;
          }
          if (aborted) throw new UploadAborted();
          current = newRequest();
          try {
            return await attempt(file, fresh, onProgress, current);
          } catch (again: unknown) {
            if (again instanceof ApiError && again.status === 401) options.onUnauthorized?.();
            throw again;
          }
        }
      };
      const done = run().finally(() => {
        settled = true;
      });
      return {
        done,
        abort: () => {
          if (settled) return;
          aborted = true;
          current.abort();
        },
      };
    },
  };
}
