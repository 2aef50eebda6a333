import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ApiClient, Query } from '@/lib/api';

import { SEARCH_PAGE } from '../search-api';
import { SEARCH_DEBOUNCE_MS } from '../use-message-search';
import { SearchDialog } from './search-dialog';

function roomHit(n: number, room: string) {
  return {
    type: 'message', id: `m${String(n).padStart(3, '0')}`, room, user: 'ada', text: `zebra number ${n}`, ts: '2030-01-01T10:00:00Z',
    highlight: [{ text: 'zebra', match: true }, { text: ` number ${n}`, match: false }],
  };
}

/** A server that answers `/api/search` with `pages` in turn and records the queries. */
function fakeApi(pages: unknown[][]) {
  const queries: Query[] = [];
  const get = vi.fn((path: string, query?: Query) => {
    expect(path).toBe('/api/search');
    queries.push(query ?? {});
    return Promise.resolve({ messages: pages[queries.length - 1] ?? [] });
  });
  const api = { get, post: vi.fn(), put: vi.fn(), delete: vi.fn() } as unknown as ApiClient;
  return { api, queries };
}

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
});
afterEach(() => {
  vi.useRealTimers();
});

async function settle(): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS + 10);
  });
}

describe('SearchDialog', () => {
  it('asks once typing pauses, groups the hits by room, and goes to one with the arrows and Enter', async () => {
    const page = [roomHit(9, 'lobby'), roomHit(8, 'dev'), roomHit(7, 'lobby')];
    const { api, queries } = fakeApi([page]);
    const onPick = vi.fn();
    const user = userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });
    render(<SearchDialog api={api} me="me" here={null} onPick={onPick} onClose={vi.fn()} />);
    await user.type(screen.getByRole('combobox', { name: 'Search messages' }), 'zebra');
    await settle();
    expect(queries).toEqual([{ q: 'zebra', room: undefined, with: undefined, author: undefined, before: undefined, limit: SEARCH_PAGE }]);

    const groups = screen.getAllByRole('group');
    expect(groups.map((g) => g.getAttribute('aria-label'))).toEqual(['#lobby', '#dev']);
    expect(within(groups[0]!).getAllByRole('option').map((o) => o.querySelector('mark')?.textContent)).toEqual(['zebra', 'zebra']);
    expect(screen.getByRole('status')).toHaveTextContent('3 messages found');

    // The list order is group by group: 9, 7 (lobby), then 8 (dev).
    const box = screen.getByRole('combobox', { name: 'Search messages' });
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(screen.getByRole('option', { selected: true })).toHaveTextContent('zebra number 8');
    expect(box).toHaveAttribute('aria-activedescendant', screen.getByRole('option', { selected: true }).id);
    await user.keyboard('{Enter}');
    expect(onPick).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ id: 'm008', kind: 'room', name: 'dev' }));
  });

  it('pages with before, and narrows to the open room and to an author', async () => {
    const full = Array.from({ length: SEARCH_PAGE }, (_, i) => roomHit(100 - i, 'lobby'));
    const { api, queries } = fakeApi([full, [roomHit(50, 'lobby')], []]);
    const user = userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });
    render(<SearchDialog api={api} me="me" initialQuery="zebra" here={{ kind: 'room', name: 'lobby' }} onPick={vi.fn()} onClose={vi.fn()} />);
    await settle();
    expect(screen.getAllByRole('option')).toHaveLength(SEARCH_PAGE);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await settle();
    expect(queries[1]).toMatchObject({ q: 'zebra', before: full.at(-1)?.id });
    expect(screen.getAllByRole('option')).toHaveLength(SEARCH_PAGE + 1);
    // A short page: nothing older.
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    await user.click(screen.getByRole('checkbox', { name: 'Only in #lobby' }));
    await user.type(screen.getByRole('textbox', { name: 'From' }), '@bob');
    await settle();
    expect(queries.at(-1)).toMatchObject({ q: 'zebra', room: 'lobby', author: 'bob', before: undefined });
    expect(screen.getByRole('status')).toHaveTextContent('No messages match.');
  });

  it('sends nothing for a query of no word, shows a failure, and Esc closes', async () => {
    const get = vi.fn(() => Promise.reject(new Error('boom')));
    const api = { get, post: vi.fn(), put: vi.fn(), delete: vi.fn() } as unknown as ApiClient;
    const onClose = vi.fn();
    const user = userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });
    render(<SearchDialog api={api} me="me" here={null} onPick={vi.fn()} onClose={onClose} />);
    await user.type(screen.getByRole('combobox', { name: 'Search messages' }), '"*"');
    await settle();
    expect(get).not.toHaveBeenCalled();
    await user.type(screen.getByRole('combobox', { name: 'Search messages' }), 'x');
    await settle();
    expect(screen.getByRole('status')).toHaveTextContent('Search failed: boom');
    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalledOnce();
  });
});
