import { createContext, useContext } from 'react';

import type { UploadClient } from './upload-client';
import type { UploadUrls } from './upload-urls';

/** The session's file services; null where there is no server (some tests). */
export interface Files {
  uploads: UploadClient;
  urls: UploadUrls;
}

export const FilesContext = createContext<Files | null>(null);

export function useFiles(): Files | null {
  return useContext(FilesContext);
}
