import { describe, expect, it } from 'vitest';

import { fromLocalInput, presets, toLocalInput } from './presets';
import { isRemindCommand, remindText } from './remind-command';

describe('send later presets', () => {
  it('offers half an hour, an hour, tomorrow and Monday morning', () => {
    const now = new Date(2026, 11, 9, 16, 20); // a Wednesday
    const [half, hour, tomorrow, monday] = presets(now).map((p) => p.at);
    expect(half?.getTime()).toBe(now.getTime() + 30 * 60_000);
    expect(hour?.getTime()).toBe(now.getTime() + 60 * 60_000);
    expect(tomorrow).toEqual(new Date(2026, 11, 10, 9, 0));
    expect(monday).toEqual(new Date(2026, 11, 14, 9, 0));
    expect(presets(new Date(2026, 11, 14, 8, 0))[3]?.at).toEqual(new Date(2026, 11, 21, 9, 0)); // a Monday: the next one
  });

  it('reads a custom time and refuses one that passed', () => {
    const now = new Date(2026, 11, 9, 16, 20);
    expect(toLocalInput(new Date(2026, 0, 2, 3, 4))).toBe('2026-01-02T03:04');
    expect(fromLocalInput('2026-12-09T17:00', now)).toEqual(new Date(2026, 11, 9, 17, 0));
    expect(fromLocalInput('2026-12-09T16:00', now)).toMatch(/has passed/);
    expect(fromLocalInput('', now)).toMatch(/Pick a date/);
    expect(fromLocalInput('2028-12-09T16:00', now)).toMatch(/year/);
  });
});

describe('the /remind command', () => {
  it('is /remind alone or with text', () => {
    expect(isRemindCommand('/remind me in 10m tea')).toBe(true);
    expect(isRemindCommand('/remind')).toBe(true);
    expect(isRemindCommand('/reminder')).toBe(false);
    expect(remindText('  /remind me in 10m tea ')).toBe('me in 10m tea');
    expect(remindText('/remind')).toBe('');
  });
});
