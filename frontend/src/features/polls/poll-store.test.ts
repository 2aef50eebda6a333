import { describe, expect, it, vi } from 'vitest';

import type { Poll } from './poll-frame';
import { createPollStore, initialPollsState, pendingChoice, pollsIn, pollsReducer } from './poll-store';
import type { PollsAction, PollsState } from './poll-store';

function poll(id: string, room = 'lobby', votes: Record<string, number> = {}): Poll {
  const totals = [0, 0];
  for (const choice of Object.values(votes)) totals[choice] = (totals[choice] ?? 0) + 1;
  return { id, room, question: `q ${id}`, options: ['a', 'b'], totals, votes, by: 'ann' };
}

const run = (...actions: PollsAction[]): PollsState => actions.reduce(pollsReducer, initialPollsState('me'));

describe('pollsReducer', () => {
  it('keeps the polls of each room apart, newest first', () => {
    const state = run(
      { type: 'delivered', poll: poll('02') },
      { type: 'delivered', poll: poll('01') },
      { type: 'delivered', poll: poll('05', 'other') },
      { type: 'delivered', poll: poll('03') },
    );
    expect(pollsIn(state, 'lobby').map((p) => p.id)).toEqual(['03', '02', '01']);
    expect(pollsIn(state, 'other').map((p) => p.id)).toEqual(['05']);
    expect(pollsIn(state, 'nowhere')).toEqual([]);
    expect(pollsIn(state, '__proto__')).toEqual([]);
  });

  it('replaces a poll with its latest frame, in place', () => {
    const state = run(
      { type: 'delivered', poll: poll('01') },
      { type: 'delivered', poll: poll('02') },
      { type: 'delivered', poll: poll('01', 'lobby', { bob: 1 }) },
      { type: 'delivered', poll: poll('01', 'lobby', { bob: 1, cy: 0 }) },
    );
    const polls = pollsIn(state, 'lobby');
    expect(polls.map((p) => p.id)).toEqual(['02', '01']);
    expect(polls[1]?.totals).toEqual([1, 1]);
  });

  it('holds a vote of yours until the poll shows it, or until it is refused', () => {
    let state = run(
      { type: 'delivered', poll: poll('01') },
      { type: 'voting', clientId: 'c1', vote: { room: 'lobby', poll: '01', choice: 1 } },
      { type: 'voting', clientId: 'c2', vote: { room: 'lobby', poll: '02', choice: 0 } },
    );
    expect(pendingChoice(state, 'lobby', '01')).toBe(1);
    // Someone else's vote does not settle yours.
    state = pollsReducer(state, { type: 'delivered', poll: poll('01', 'lobby', { bob: 0 }) });
    expect(pendingChoice(state, 'lobby', '01')).toBe(1);
    state = pollsReducer(state, { type: 'delivered', poll: poll('01', 'lobby', { bob: 0, me: 1 }) });
    expect(pendingChoice(state, 'lobby', '01')).toBeUndefined();
    expect(pendingChoice(state, 'lobby', '02')).toBe(0);
    state = pollsReducer(state, { type: 'refused', clientId: 'c2' });
    expect(pendingChoice(state, 'lobby', '02')).toBeUndefined();
    expect(pollsReducer(state, { type: 'refused', clientId: 'unknown' })).toBe(state);
  });

  it('forgets a room you left, with your votes there', () => {
    const state = run(
      { type: 'delivered', poll: poll('01') },
      { type: 'delivered', poll: poll('02', 'other') },
      { type: 'voting', clientId: 'c1', vote: { room: 'lobby', poll: '01', choice: 0 } },
      { type: 'room-left', room: 'lobby' },
    );
    expect(pollsIn(state, 'lobby')).toEqual([]);
    expect(pendingChoice(state, 'lobby', '01')).toBeUndefined();
    expect(pollsIn(state, 'other')).toHaveLength(1);
    expect(pollsReducer(state, { type: 'room-left', room: 'lobby' })).toBe(state);
  });
});

describe('createPollStore', () => {
  it('notifies subscribers of changes only', () => {
    const store = createPollStore(initialPollsState('me'));
    const listener = vi.fn();
    const unsubscribe = store.subscribe(listener);
    store.dispatch({ type: 'delivered', poll: poll('01') });
    store.dispatch({ type: 'refused', clientId: 'nothing' });
    expect(listener).toHaveBeenCalledTimes(1);
    unsubscribe();
    store.dispatch({ type: 'delivered', poll: poll('02') });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(pollsIn(store.getState(), 'lobby')).toHaveLength(2);
  });
});
