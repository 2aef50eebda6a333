import { describe, expect, it } from 'vitest';

import { isLaterFrame, parseLaterFrame } from './later-frames';
import { createLaterStore, scheduledIn } from './later-store';

describe('later frames', () => {
  it('reads reminders, scheduled lists and their news', () => {
    const reminders = { type: 'reminders', reminders: [{ id: 'r1', at: '2026-12-08T09:00:00.000Z', text: 'retro', room: 'team' }] };
    expect(parseLaterFrame(reminders)).toEqual(reminders);
    expect(parseLaterFrame({ type: 'reminder', id: 'r1', text: 'stand up', room: null })).toEqual({ type: 'reminder', id: 'r1', text: 'stand up', room: null });
    const scheduled = { type: 'scheduled', room: 'lobby', messages: [{ id: 's1', room: 'lobby', text: 'hi', at: '2026-12-08T09:00:00.000Z' }] };
    expect(parseLaterFrame(scheduled)).toEqual(scheduled);
    const failed = { type: 'scheduled_failed', id: 's1', room: 'lobby', text: 'hi', reason: 'you are no longer a member of #lobby' };
    expect(parseLaterFrame(failed)).toEqual(failed);
    expect(isLaterFrame({ type: 'poll' })).toBe(false);
  });

  it('drops a malformed frame whole', () => {
    expect(parseLaterFrame({ type: 'reminders', reminders: [{ id: 'r1', at: 'never', text: 'x', room: null }] })).toBeNull();
    expect(parseLaterFrame({ type: 'scheduled', room: 'lobby', messages: 'nope' })).toBeNull();
    expect(parseLaterFrame({ type: 'reminder', id: '', text: 'x', room: null })).toBeNull();
  });

  it('keeps the latest list of each kind', () => {
    const store = createLaterStore();
    const message = { id: 's1', room: 'lobby', text: 'hi', at: '2026-12-08T09:00:00.000Z' };
    store.dispatch({ type: 'frame', frame: { type: 'scheduled', room: 'lobby', messages: [message] } });
    expect(scheduledIn(store.getState(), 'lobby')).toEqual([message]);
    store.dispatch({ type: 'frame', frame: { type: 'scheduled', room: 'lobby', messages: [] } });
    expect(scheduledIn(store.getState(), 'lobby')).toEqual([]);
    expect(store.getState().reminders).toBeNull();
    store.dispatch({ type: 'reminders-open', open: true });
    expect(store.getState().remindersOpen).toBe(true);
  });
});
