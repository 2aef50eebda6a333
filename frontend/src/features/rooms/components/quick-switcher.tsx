import { useId, useState } from 'react';
import type { KeyboardEvent } from 'react';

import type { ConversationKind } from '@/lib/chat-store';
import { roomNameProblem, usernameProblem } from '@/lib/validation';

import type { SidebarEntry } from './room-sidebar';

export interface SwitcherPick {
  kind: ConversationKind;
  name: string;
}

interface Option extends SwitcherPick {
  id: string;
  label: string;
  hint: string;
  /** Not a place but "search messages for the query". */
  search?: true;
}

interface QuickSwitcherProps {
  me: string;
  entries: SidebarEntry[];
  /** People you could message (everyone seen in your rooms). */
  people: string[];
  onPick: (pick: SwitcherPick) => void;
  onClose: () => void;
  /** "Search messages for …" was chosen. */
  onSearch?: (query: string) => void;
}

function options(me: string, entries: SidebarEntry[], people: string[], query: string): Option[] {
  const q = query.trim().toLowerCase();
  const matches = (name: string) => name.toLowerCase().includes(q);
  const open: Option[] = entries
    .filter((e) => matches(e.name))
    .map((e) => ({ id: e.key, kind: e.kind, name: e.name, label: `${e.kind === 'room' ? '#' : '@'}${e.name}`, hint: e.unread > 0 ? `${e.unread} unread` : '' }));
  const talking = new Set(entries.filter((e) => e.kind === 'dm').map((e) => e.name));
  const others: Option[] = [...new Set(people)]
    .filter((p) => p !== me && !talking.has(p) && matches(p))
    .sort((a, b) => a.localeCompare(b))
    .map((p) => ({ id: `person:${p}`, kind: 'dm', name: p, label: `@${p}`, hint: 'message' }));
  const extra: Option[] = [];
  const name = query.trim();
  if (name !== '' && !entries.some((e) => e.kind === 'room' && e.name === name) && roomNameProblem(name) === null) {
    extra.push({ id: `join:${name}`, kind: 'room', name, label: `#${name}`, hint: 'join or create' });
  }
  if (name !== '' && name !== me && !talking.has(name) && !others.some((o) => o.name === name) && usernameProblem(name) === null) {
    extra.push({ id: `dm:new:${name}`, kind: 'dm', name, label: `@${name}`, hint: 'message' });
  }
  return [...open, ...others, ...extra];
}

/** Ctrl+K: type part of a room or a name, Up/Down to choose, Enter to go there, Esc to close. */
export function QuickSwitcher({ me, entries, people, onPick, onClose, onSearch }: QuickSwitcherProps) {
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const ids = useId();
  const text = query.trim();
  const list = [
    ...options(me, entries, people, query),
    ...(onSearch !== undefined && text !== '' ? [{ id: 'search', kind: 'room' as const, name: text, label: `Search messages for “${text}”`, hint: '/', search: true as const }] : []),
  ];
  const selected = list[Math.min(index, list.length - 1)];
  const choose = (option: Option) => {
    if (option.search === true) onSearch?.(option.name);
    else onPick(option);
  };

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setIndex((current) => (Math.min(current, list.length - 1) + step + list.length) % Math.max(1, list.length));
    } else if (event.key === 'Enter' && selected) {
      event.preventDefault();
      choose(selected);
    }
  }

  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center bg-slate-950/50 px-4 pt-[15vh]" onClick={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${ids}-title`}
        className="w-full max-w-md overflow-hidden rounded-xl border border-line bg-surface shadow-2xl"
        onClick={(event) => event.stopPropagation()}
      >
        <h2 id={`${ids}-title`} className="sr-only">
          Go to a conversation
        </h2>
        <input
          autoFocus
          role="combobox"
          aria-label="Go to a room or person"
          aria-expanded="true"
          aria-controls={`${ids}-list`}
          aria-activedescendant={selected ? `${ids}-${selected.id}` : undefined}
          placeholder="Go to a room or person…"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setIndex(0);
          }}
          onKeyDown={onKeyDown}
          className="w-full border-b border-line bg-surface px-4 py-3 text-base text-fg outline-none placeholder:text-muted"
        />
        <ul id={`${ids}-list`} role="listbox" aria-label="Matches" className="max-h-72 overflow-y-auto p-1">
          {list.length === 0 && <li className="px-3 py-2 text-sm text-muted">Nothing matches.</li>}
          {list.map((option) => (
            <li
              key={option.id}
              id={`${ids}-${option.id}`}
              role="option"
              aria-selected={option === selected}
              onClick={() => choose(option)}
              className={`flex cursor-pointer items-center justify-between gap-3 rounded-md px-3 py-2 text-sm ${
                option === selected ? 'bg-accent-strong text-white' : 'text-fg hover:bg-hover'
              }`}
            >
              <span className="truncate">{option.label}</span>
              {option.hint && <span className={`shrink-0 text-xs ${option === selected ? 'text-indigo-100' : 'text-muted'}`}>{option.hint}</span>}
            </li>
          ))}
        </ul>
        <p className="border-t border-line px-4 py-2 text-xs text-muted">
          <kbd>↑</kbd> <kbd>↓</kbd> to choose, <kbd>Enter</kbd> to open, <kbd>Esc</kbd> to close
        </p>
      </div>
    </div>
  );
}
