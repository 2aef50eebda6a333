/**
 * Files on the wire: what an upload answers, and the `attachments` a stored
 * `message` or `private` frame carries (no URLs there: `GET /api/uploads/{id}` gives fresh,
 * signed ones). Each parser checks what actually arrives and drops what does not match.
 */
import type { Id } from '@/lib/protocol';

/** A file attached to a message, as message frames (live, history, search) carry it. */
export interface Attachment {
  id: Id;
  name: string;
  /** Bytes. */
  size: number;
  /** The type the server sniffed from the bytes (`image/png`, `application/pdf`, ...). */
  type: string;
  /** Images only (png, jpeg, gif, webp): their size in pixels. */
  width?: number;
  height?: number;
}

/** `POST /api/uploads` (201) and `GET /api/uploads/{id}`: the file with signed, expiring URLs. */
export interface UploadInfo extends Attachment {
  url: string;
  /** Images only: a smaller copy to show inline. */
  thumb?: string;
}

/** How many files one message may carry (the server's rule). */
export const MAX_ATTACHMENTS = 10;

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isDimension = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** One attachment, or null when a field is missing. */
export function parseAttachment(value: unknown): Attachment | null {
  if (!isFields(value)) return null;
  const { id, name, size, type } = value;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof size !== 'number' || typeof type !== 'string') return null;
  const attachment: Attachment = { id, name, size, type };
  if (isDimension(value.width) && isDimension(value.height)) {
    attachment.width = value.width;
    attachment.height = value.height;
  }
  return attachment;
}

/** The `attachments` field of a message, when it holds any well-formed ones. */
export function parseAttachments(value: Fields): { attachments?: Attachment[] } {
  if (!Array.isArray(value.attachments)) return {};
  const attachments = value.attachments.flatMap((raw) => {
    const parsed = parseAttachment(raw);
    return parsed ? [parsed] : [];
  });
  return attachments.length > 0 ? { attachments } : {};
}

/** An upload's answer, or null when it does not match the contract. */
export function parseUploadInfo(value: unknown): UploadInfo | null {
  const attachment = parseAttachment(value);
  if (!attachment || !isFields(value) || typeof value.url !== 'string') return null;
  const info: UploadInfo = { ...attachment, url: value.url };
  if (typeof value.thumb === 'string') info.thumb = value.thumb;
  return info;
}

/** A URL the server gave as a path (`/files/…`) made absolute against the gateway's origin. */
export function resolveUrl(url: string, baseUrl: string): string {
  return baseUrl !== '' && url.startsWith('/') && !url.startsWith('//') ? `${baseUrl}${url}` : url;
}

/** An upload's URLs resolved against the gateway's origin ('' = the page's own). */
export function withBase(info: UploadInfo, baseUrl: string): UploadInfo {
  if (baseUrl === '') return info;
  return { ...info, url: resolveUrl(info.url, baseUrl), ...(info.thumb === undefined ? {} : { thumb: resolveUrl(info.thumb, baseUrl) }) };
}

/** Whether the file is an image the browser shows inline (the server gives it a size). */
export function isImage(attachment: Attachment): boolean {
  return attachment.type.startsWith('image/') && attachment.width !== undefined && attachment.height !== undefined;
}

/** 1536 -> "1.5 KB"; bytes in the units people read (1 KB = 1024 bytes). */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value).toString();
  return `${shown} ${units[unit] ?? 'TB'}`;
}
