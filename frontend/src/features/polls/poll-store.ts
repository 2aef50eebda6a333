/**
 * The polls shown per room: the latest frame of each poll replaces the one before it, and
 * your votes between sending and their delivery (so the card can hold its buttons meanwhile).
 * An immutable state and a pure reducer, read through `useSyncExternalStore` like the chat's.
 * Rooms are kept in a Map: room names come from the wire, and `__proto__` is a valid one.
 */
import type { Poll } from './poll-frame';
import { voteOf } from './poll-frame';

/** A vote of yours the server has not shown back yet. */
export interface PendingVote {
  room: string;
  poll: string;
  choice: number;
}

export interface PollsState {
  me: string;
  /** room -> its polls, oldest first (poll ids sort by creation time). */
  rooms: ReadonlyMap<string, readonly Poll[]>;
  /** client_id -> the vote it carries. */
  pending: ReadonlyMap<string, PendingVote>;
}

export type PollsAction =
  | { type: 'delivered'; poll: Poll }
  | { type: 'voting'; clientId: string; vote: PendingVote }
  | { type: 'refused'; clientId: string }
  | { type: 'room-left'; room: string };

export function initialPollsState(me: string): PollsState {
  return { me, rooms: new Map(), pending: new Map() };
}

function withoutPending(pending: ReadonlyMap<string, PendingVote>, drop: (vote: PendingVote, clientId: string) => boolean) {
  const kept = [...pending].filter(([clientId, vote]) => !drop(vote, clientId));
  return kept.length === pending.size ? pending : new Map(kept);
}

export function pollsReducer(state: PollsState, action: PollsAction): PollsState {
  switch (action.type) {
    case 'delivered': {
      const { poll } = action;
      const known = state.rooms.get(poll.room) ?? [];
      const polls = known.some((p) => p.id === poll.id)
        ? known.map((p) => (p.id === poll.id ? poll : p))
        : [...known, poll].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      // Once the poll shows a vote of yours, nothing of yours is pending on it any more.
      const counted = voteOf(poll, state.me) !== undefined;
      const pending = counted ? withoutPending(state.pending, (v) => v.room === poll.room && v.poll === poll.id) : state.pending;
      return { ...state, rooms: new Map(state.rooms).set(poll.room, polls), pending };
    }
    case 'voting':
      return { ...state, pending: new Map(state.pending).set(action.clientId, action.vote) };
    case 'refused': {
      const pending = withoutPending(state.pending, (_, clientId) => clientId === action.clientId);
      return pending === state.pending ? state : { ...state, pending };
    }
    case 'room-left': {
      if (!state.rooms.has(action.room)) return state;
      const rooms = new Map(state.rooms);
      rooms.delete(action.room);
      return { ...state, rooms, pending: withoutPending(state.pending, (v) => v.room === action.room) };
    }
  }
}

/** A room's polls, newest first. */
export function pollsIn(state: PollsState, room: string): Poll[] {
  return [...(state.rooms.get(room) ?? [])].reverse();
}

/** The option of a vote of yours still in flight on this poll, if any. */
export function pendingChoice(state: PollsState, room: string, poll: string): number | undefined {
  for (const vote of state.pending.values()) if (vote.room === room && vote.poll === poll) return vote.choice;
  return undefined;
}

export interface PollStore {
  getState: () => PollsState;
  dispatch: (action: PollsAction) => void;
  subscribe: (listener: () => void) => () => void;
}

export function createPollStore(initial: PollsState): PollStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = pollsReducer(state, action);
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
