import { useCallback, useEffect, useState } from 'react';

import type { UploadInfo } from '@/lib/files-protocol';

import { useFiles } from './files-context';

export interface UploadInfoState {
  info: UploadInfo | null;
  failed: boolean;
  /** The URL did not load (expired, say): fetch fresh ones. */
  refresh: () => void;
}

/** The signed URLs of upload `id`, from the session's cache (fetched when missing or expired). */
export function useUploadInfo(id: string): UploadInfoState {
  const files = useFiles();
  const [fetched, setFetched] = useState<{ id: string; info: UploadInfo | null; failed: boolean; attempt: number }>(() => ({
    id,
    info: files?.urls.peek(id) ?? null,
    failed: false,
    attempt: 0,
  }));
  const [attempt, setAttempt] = useState(0);
  if (fetched.id !== id) setFetched({ id, info: files?.urls.peek(id) ?? null, failed: false, attempt });

  useEffect(() => {
    if (files === null) return;
    let live = true;
    files.urls.get(id).then(
      (info) => {
        if (live) setFetched((current) => (current.id === id && current.info === info ? current : { id, info, failed: false, attempt }));
      },
      () => {
        if (live) setFetched({ id, info: null, failed: true, attempt });
      },
    );
    return () => {
      live = false;
    };
  }, [files, id, attempt]);

  const refresh = useCallback(() => {
    files?.urls.invalidate(id);
    // One automatic retry per failure is enough: a URL that fails twice is shown as failed.
    setAttempt((current) => (current < 3 ? current + 1 : current));
  }, [files, id]);

  return { info: fetched.info, failed: fetched.failed, refresh };
}
