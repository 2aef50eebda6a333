import { useId, useState } from 'react';
import type { KeyboardEvent } from 'react';

import type { ApiClient } from '@/lib/api';
import type { ConversationKind } from '@/lib/chat-store';
import { formatDay, formatTime } from '@/lib/time';

import type { SearchHit } from '../search-api';
import { MAX_QUERY } from '../search-api';
import { groupHits, shownOrder } from '../search-groups';
import type { SearchFilters } from '../use-message-search';
import { useMessageSearch } from '../use-message-search';
import { HighlightedText } from './highlighted-text';

interface SearchDialogProps {
  api: ApiClient;
  me: string;
  /** The query to start with (from the quick switcher). */
  initialQuery?: string;
  /** The open room or conversation, for "only here". */
  here: { kind: ConversationKind; name: string } | null;
  onPick: (hit: SearchHit) => void;
  onClose: () => void;
}

const FIELD = 'rounded-md border border-line-strong bg-surface px-2 py-1 text-sm text-fg outline-none focus:border-accent focus:ring-2 focus:ring-accent/30';

/**
 * `/` or Ctrl+K then "Search messages": type words, Up/Down through the hits (grouped by room
 * or conversation, newest first), Enter to go to one, Esc to close. "Only here" and "From"
 * narrow it; "Load more" brings older hits.
 */
export function SearchDialog({ api, me, initialQuery = '', here, onPick, onClose }: SearchDialogProps) {
  const ids = useId();
  const [q, setQ] = useState(initialQuery);
  const [onlyHere, setOnlyHere] = useState(false);
  const [author, setAuthor] = useState('');
  const [index, setIndex] = useState(0);
  const filters: SearchFilters = { q };
  if (onlyHere && here !== null) {
    if (here.kind === 'room') filters.room = here.name;
    else filters.with = here.name;
  }
  if (author.trim() !== '') filters.author = author.trim().replace(/^@/, '');
  const search = useMessageSearch(api, me, filters);
  const groups = groupHits(search.hits);
  const order = shownOrder(groups);
  const selected = order[Math.min(index, order.length - 1)];
  const optionId = (hit: SearchHit) => `${ids}-hit-${hit.id}`;

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (order.length === 0) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      const next = (Math.min(index, order.length - 1) + step + order.length) % order.length;
      setIndex(next);
      const hit = order[next];
      if (hit) document.getElementById(optionId(hit))?.scrollIntoView({ block: 'nearest' });
    } else if (event.key === 'Enter' && selected) {
      event.preventDefault();
      onPick(selected);
    }
  }

  const status =
    search.status === 'idle'
      ? 'Type a word to search your rooms and conversations.'
      : search.status === 'loading'
        ? 'Searching…'
        : search.status === 'error'
          ? `Search failed: ${search.error ?? ''}`
          : search.hits.length === 0
            ? 'No messages match.'
            : `${search.hits.length}${search.hasMore ? '+' : ''} ${search.hits.length === 1 ? 'message' : 'messages'} found`;

  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center bg-slate-950/50 px-2 pt-[6vh] sm:px-4 sm:pt-[10vh]" onClick={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${ids}-title`}
        className="flex max-h-[86vh] w-full max-w-xl flex-col overflow-hidden rounded-xl border border-line bg-surface shadow-2xl"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          if (event.key !== 'Escape') return;
          event.stopPropagation();
          onClose();
        }}
      >
        <h2 id={`${ids}-title`} className="sr-only">
          Search messages
        </h2>
        <input
          autoFocus
          role="combobox"
          aria-label="Search messages"
          aria-expanded={order.length > 0}
          aria-controls={`${ids}-list`}
          aria-activedescendant={selected ? optionId(selected) : undefined}
          aria-describedby={`${ids}-status`}
          placeholder="Search messages…"
          maxLength={MAX_QUERY}
          value={q}
          onChange={(event) => {
            setQ(event.target.value);
            setIndex(0);
          }}
          onKeyDown={onKeyDown}
          className="w-full border-b border-line bg-surface px-4 py-3 text-base text-fg outline-none placeholder:text-muted"
        />
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-line px-4 py-2 text-sm text-fg-2">
          {here !== null && (
            <label className="flex items-center gap-1.5">
              <input type="checkbox" checked={onlyHere} onChange={(event) => setOnlyHere(event.target.checked)} className="h-4 w-4 accent-indigo-600" />
              Only in {here.kind === 'room' ? `#${here.name}` : `@${here.name}`}
            </label>
          )}
          <label className="flex items-center gap-1.5">
            From
            <input value={author} onChange={(event) => setAuthor(event.target.value)} placeholder="anyone" className={`${FIELD} w-32`} />
          </label>
        </div>
        <p id={`${ids}-status`} role="status" className="px-4 pt-2 text-xs text-muted">
          {status}
          {search.status === 'done' && search.error !== null && <span className="text-danger"> Could not load more: {search.error}</span>}
        </p>
        <div id={`${ids}-list`} role="listbox" aria-label="Matching messages" className="min-h-0 flex-1 overflow-y-auto p-1">
          {groups.map((group) => (
            <div key={group.key} role="group" aria-label={group.label} className="py-1">
              <div aria-hidden="true" className="px-3 py-1 text-xs font-semibold tracking-wide text-muted uppercase">
                {group.label}
              </div>
              {group.hits.map((hit) => (
                <div
                  key={hit.id}
                  id={optionId(hit)}
                  role="option"
                  aria-selected={hit === selected}
                  data-testid="search-hit"
                  onClick={() => onPick(hit)}
                  onMouseMove={() => {
                    const at = order.indexOf(hit);
                    if (at !== index) setIndex(at);
                  }}
                  className={`cursor-pointer rounded-md px-3 py-2 text-sm ${hit === selected ? 'bg-accent-strong text-white' : 'text-fg hover:bg-hover'}`}
                >
                  <div className="flex items-baseline gap-2">
                    <span className="font-semibold">{hit.author}</span>
                    <time dateTime={hit.ts} className={`text-xs ${hit === selected ? 'text-indigo-100' : 'text-muted'}`}>
                      {formatDay(hit.ts)} {formatTime(hit.ts)}
                    </time>
                  </div>
                  <p className={`break-words ${hit === selected ? '[&_mark]:bg-white [&_mark]:text-slate-950' : ''}`}>
                    <HighlightedText segments={hit.highlight} />
                  </p>
                </div>
              ))}
            </div>
          ))}
        </div>
        <div className="flex items-center justify-between gap-2 border-t border-line px-4 py-2 text-xs text-muted">
          <span className="hidden sm:inline">
            <kbd>↑</kbd> <kbd>↓</kbd> to choose, <kbd>Enter</kbd> to open, <kbd>Esc</kbd> to close
          </span>
          {search.hasMore && (
            <button
              type="button"
              onClick={search.loadMore}
              disabled={search.loadingMore}
              className="ml-auto rounded-md border border-line-strong px-3 py-1 text-sm font-medium text-fg-2 hover:bg-hover disabled:opacity-60"
            >
              {search.loadingMore ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
