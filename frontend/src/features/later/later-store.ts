/**
 * Your reminders and scheduled messages as the remind and scheduled functions last listed them
 * (each answer is the whole list), and whether the reminders panel is open. An immutable state
 * and a pure reducer, read through `useSyncExternalStore` like the chat's.
 */
import type { LaterFrame, Reminder, ScheduledMessage } from './later-frames';

export interface LaterState {
  /** Pending reminders, soonest first; null until the function first answered. */
  reminders: readonly Reminder[] | null;
  /** The reminders panel is open (after a `/remind` command, until closed). */
  remindersOpen: boolean;
  /** room -> your messages waiting to be sent there, soonest first. */
  scheduled: ReadonlyMap<string, readonly ScheduledMessage[]>;
}

export type LaterAction = { type: 'frame'; frame: LaterFrame } | { type: 'reminders-open'; open: boolean };

export const initialLaterState: LaterState = { reminders: null, remindersOpen: false, scheduled: new Map() };

export function laterReducer(state: LaterState, action: LaterAction): LaterState {
  if (action.type === 'reminders-open') return state.remindersOpen === action.open ? state : { ...state, remindersOpen: action.open };
  const { frame } = action;
  switch (frame.type) {
    case 'reminders':
      return { ...state, reminders: frame.reminders };
    case 'scheduled':
      return { ...state, scheduled: new Map(state.scheduled).set(frame.room, frame.messages) };
    default:
      return state; // `reminder` and `scheduled_failed` are news, not state (see LaterActions)
  }
}

/** Your scheduled messages for a room, soonest first. */
export function scheduledIn(state: LaterState, room: string): readonly ScheduledMessage[] {
  return state.scheduled.get(room) ?? [];
}

export interface LaterStore {
  getState: () => LaterState;
  dispatch: (action: LaterAction) => void;
  subscribe: (listener: () => void) => () => void;
}

export function createLaterStore(initial: LaterState = initialLaterState): LaterStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = laterReducer(state, action);
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
