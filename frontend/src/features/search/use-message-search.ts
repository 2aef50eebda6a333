import { useCallback, useEffect, useState } from 'react';

import type { ApiClient } from '@/lib/api';
import { errorText } from '@/lib/api';

import type { SearchHit, SearchQuery } from './search-api';
import { SEARCH_PAGE, searchable, searchMessages } from './search-api';

/** Wait this long after the last keystroke before asking the server. */
export const SEARCH_DEBOUNCE_MS = 250;

export type SearchFilters = Omit<SearchQuery, 'before' | 'limit'>;

export interface MessageSearch {
  hits: SearchHit[];
  status: 'idle' | 'loading' | 'done' | 'error';
  error: string | null;
  /** A full page came back: older hits may exist. */
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
}

interface Result {
  /** The query these hits answer (JSON of the filters). */
  for: string;
  hits: SearchHit[];
  status: MessageSearch['status'];
  error: string | null;
  hasMore: boolean;
  loadingMore: boolean;
}

const EMPTY: Result = { for: '', hits: [], status: 'idle', error: null, hasMore: false, loadingMore: false };

/**
 * Searches as you type: the query goes out `SEARCH_DEBOUNCE_MS` after the last change (only
 * when it has a word); answers to an older query are dropped. `loadMore` asks for the hits
 * older than the last one shown (`before`).
 */
export function useMessageSearch(api: ApiClient, me: string, filters: SearchFilters, debounceMs = SEARCH_DEBOUNCE_MS): MessageSearch {
  const wanted = searchable(filters.q) ? JSON.stringify({ ...filters, q: filters.q.trim() }) : '';
  const [result, setResult] = useState<Result>(EMPTY);

  useEffect(() => {
    if (wanted === '') return;
    const query = JSON.parse(wanted) as SearchFilters;
    let live = true;
    const timer = setTimeout(() => {
      setResult((previous) => ({ ...(previous.for === wanted ? previous : EMPTY), for: wanted, status: 'loading', error: null }));
      searchMessages(api, me, { ...query, limit: SEARCH_PAGE }).then(
        (hits) => {
          if (live) setResult({ for: wanted, hits, status: 'done', error: null, hasMore: hits.length >= SEARCH_PAGE, loadingMore: false });
        },
        (error: unknown) => {
          if (live) setResult({ ...EMPTY, for: wanted, status: 'error', error: errorText(error) });
        },
      );
    }, debounceMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, me, wanted, debounceMs]);

  const loadMore = useCallback(() => {
    const last = result.hits.at(-1);
    if (result.for !== wanted || !result.hasMore || result.loadingMore || last === undefined) return;
    const query = JSON.parse(wanted) as SearchFilters;
    setResult((previous) => ({ ...previous, loadingMore: true }));
    searchMessages(api, me, { ...query, before: last.id, limit: SEARCH_PAGE }).then(
      (older) => {
        setResult((previous) =>
          previous.for === wanted ? { ...previous, hits: [...previous.hits, ...older], hasMore: older.length >= SEARCH_PAGE, loadingMore: false } : previous,
        );
      },
      (error: unknown) => {
        setResult((previous) => (previous.for === wanted ? { ...previous, loadingMore: false, error: errorText(error) } : previous));
      },
    );
  }, [api, me, wanted, result]);

  if (wanted === '' || result.for !== wanted) {
    return { hits: [], status: wanted === '' ? 'idle' : 'loading', error: null, hasMore: false, loadingMore: false, loadMore };
  }
  return { hits: result.hits, status: result.status, error: result.error, hasMore: result.hasMore, loadingMore: result.loadingMore, loadMore };
}
