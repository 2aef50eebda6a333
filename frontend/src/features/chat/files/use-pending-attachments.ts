import { useCallback, useEffect, useReducer, useRef } from 'react';

import { errorText } from '@/lib/api';
import { MAX_ATTACHMENTS } from '@/lib/files-protocol';

import type { PendingAttachment } from './pending-attachments';
import { pendingReducer } from './pending-attachments';
import type { Files } from './files-context';
import type { Upload } from './upload-client';
import { UploadAborted } from './upload-client';

export interface PendingAttachments {
  items: PendingAttachment[];
  /** Starts uploading the files (beyond the per-message limit they are refused with a failed chip). */
  add: (files: File[]) => void;
  /** Cancels an upload, or drops a finished or failed one. */
  remove: (key: string) => void;
  /** After sending: forget them all (the uploads are attached now). */
  clear: () => void;
}

let counter = 0;

/** The composer's files: uploads started, their progress, cancelled on remove and on unmount. */
export function usePendingAttachments(files: Files | null): PendingAttachments {
  const [items, dispatch] = useReducer(pendingReducer, []);
  const uploads = useRef(new Map<string, Upload>());

  useEffect(() => {
    const running = uploads.current;
    return () => {
      for (const upload of running.values()) upload.abort();
      running.clear();
    };
  }, []);

  const add = useCallback(
    (picked: File[]) => {
      let taken = items.filter((item) => item.status !== 'failed').length;
      for (const file of picked) {
        counter += 1;
        const key = `file-${counter}`;
        dispatch({ type: 'added', key, name: file.name, size: file.size });
        if (taken >= MAX_ATTACHMENTS) {
          dispatch({ type: 'failed', key, error: `At most ${MAX_ATTACHMENTS} files go with one message.` });
          continue;
        }
        taken += 1;
        if (files === null) {
          dispatch({ type: 'failed', key, error: 'Files cannot be sent here.' });
          continue;
        }
        const upload = files.uploads.upload(file, (progress) => dispatch({ type: 'progressed', key, progress }));
        uploads.current.set(key, upload);
        upload.done.then(
          (info) => {
            uploads.current.delete(key);
            files.urls.remember(info);
            dispatch({ type: 'uploaded', key, upload: { id: info.id, name: info.name, size: info.size, type: info.type, ...(info.width !== undefined && info.height !== undefined ? { width: info.width, height: info.height } : {}) } });
          },
          (error: unknown) => {
            uploads.current.delete(key);
            if (!(error instanceof UploadAborted)) dispatch({ type: 'failed', key, error: errorText(error) });
          },
        );
      }
    },
    [files, items],
  );

  const remove = useCallback((key: string) => {
    uploads.current.get(key)?.abort();
    uploads.current.delete(key);
    dispatch({ type: 'removed', key });
  }, []);

  const clear = useCallback(() => dispatch({ type: 'cleared' }), []);

  return { items, add, remove, clear };
}
