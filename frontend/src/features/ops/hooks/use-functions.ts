import { useEffect, useState } from 'react';

import type { ApiClient } from '@/lib/api';
import { ApiError, errorText } from '@/lib/api';
import type { FunctionInfo } from '@/lib/protocol';

import { getFunctions } from '../api/get-functions';

export const REFRESH_MS = 2_000;

export interface FunctionsState {
  functions: FunctionInfo[] | null;
  error: string | null;
  updatedAt: number | null;
  /** The server said no (403): the page is for server admins; polling stops. */
  forbidden: boolean;
}

/** Polls GET /api/functions every `intervalMs`; a slow answer delays the next poll, never overlaps it. */
export function useFunctions(api: ApiClient, intervalMs = REFRESH_MS): FunctionsState {
  const [state, setState] = useState<FunctionsState>({ functions: null, error: null, updatedAt: null, forbidden: false });

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function poll() {
      try {
        const functions = await getFunctions(api);
        if (!cancelled) setState({ functions, error: null, updatedAt: Date.now(), forbidden: false });
      } catch (error) {
        if (error instanceof ApiError && error.status === 403) {
          if (!cancelled) setState({ functions: null, error: null, updatedAt: null, forbidden: true });
          return;
        }
        if (!cancelled) setState((previous) => ({ ...previous, error: errorText(error) }));
      }
      if (!cancelled) timer = setTimeout(() => void poll(), intervalMs);
    }
    void poll();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, intervalMs]);

  return state;
}
