/**
 * The files waiting in the composer, as a pure reducer: each is uploading (with its
 * progress), uploaded (its upload id is what the message will carry) or failed (with why).
 */
import type { Attachment } from '@/lib/files-protocol';

export type PendingStatus = 'uploading' | 'done' | 'failed';

export interface PendingAttachment {
  /** Local id, stable across the upload. */
  key: string;
  name: string;
  size: number;
  status: PendingStatus;
  /** 0 to 1 while uploading. */
  progress: number;
  /** Once uploaded: the stored file. */
  upload?: Attachment;
  error?: string;
}

export type PendingAction =
  | { type: 'added'; key: string; name: string; size: number }
  | { type: 'progressed'; key: string; progress: number }
  | { type: 'uploaded'; key: string; upload: Attachment }
  | { type: 'failed'; key: string; error: string }
  | { type: 'removed'; key: string }
  | { type: 'cleared' };

export function pendingReducer(state: PendingAttachment[], action: PendingAction): PendingAttachment[] {
  const change = (key: string, update: (item: PendingAttachment) => PendingAttachment) =>
    state.some((item) => item.key === key) ? state.map((item) => (item.key === key ? update(item) : item)) : state;
  switch (action.type) {
    case 'added':
      return [...state, { key: action.key, name: action.name, size: action.size, status: 'uploading', progress: 0 }];
    case 'progressed':
      return change(action.key, (item) => (item.status === 'uploading' ? { ...item, progress: Math.max(item.progress, action.progress) } : item));
    case 'uploaded':
      return change(action.key, (item) => ({ ...item, status: 'done', progress: 1, upload: action.upload }));
    case 'failed':
      return change(action.key, (item) => ({ ...item, status: 'failed', error: action.error }));
    case 'removed':
      return state.filter((item) => item.key !== action.key);
    case 'cleared':
      return state.length === 0 ? state : [];
  }
}

/** The uploads a message can carry now, in the order they were added. */
export function readyUploads(state: PendingAttachment[]): Attachment[] {
  return state.flatMap((item) => (item.status === 'done' && item.upload ? [item.upload] : []));
}

/** Whether some file is still on its way (sending must wait). */
export function stillUploading(state: PendingAttachment[]): boolean {
  return state.some((item) => item.status === 'uploading');
}
