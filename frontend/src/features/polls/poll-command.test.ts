import { describe, expect, it } from 'vitest';

import { isPollCommand, parsePollCommand } from './poll-command';

describe('isPollCommand', () => {
  it('recognises /poll alone or followed by a space, and nothing else', () => {
    expect(isPollCommand('/poll Lunch? | a | b')).toBe(true);
    expect(isPollCommand('  /poll')).toBe(true);
    expect(isPollCommand('/poll\nLunch?')).toBe(true);
    expect(isPollCommand('/polls are open')).toBe(false);
    expect(isPollCommand('/roll 2d6')).toBe(false);
    expect(isPollCommand('a /poll in the middle')).toBe(false);
    expect(isPollCommand('/Poll is a word')).toBe(false);
  });
});

describe('parsePollCommand', () => {
  it('splits the question and the options at "|", trimming each', () => {
    expect(parsePollCommand('/poll  Lunch where? |pizza|  soup of the day  ')).toEqual({
      ok: true,
      question: 'Lunch where?',
      options: ['pizza', 'soup of the day'],
    });
  });

  it('takes up to ten options', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `o${i}`);
    expect(parsePollCommand(`/poll Pick | ${ten.join(' | ')}`)).toEqual({ ok: true, question: 'Pick', options: ten });
  });

  it.each([
    ['/poll', /Ask a question first/],
    ['/poll   | a | b', /Ask a question first/],
    ['/poll Lunch?', /at least 2 options/],
    ['/poll Lunch? | pizza', /at least 2 options/],
    ['/poll Lunch? | pizza | | soup', /An option is empty/],
    ['/poll Lunch? | pizza |', /An option is empty/],
    [`/poll Pick | ${Array.from({ length: 11 }, (_, i) => `o${i}`).join(' | ')}`, /at most 10 options \(this one has 11\)/],
    ['/poll Lunch? | Pizza | pizza', /"pizza" is there twice/],
    ['hello', /Start a poll with/],
  ])('refuses %j with a hint', (text, hint) => {
    const result = parsePollCommand(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(hint);
  });

  it('shows the form of the command in its hints', () => {
    const result = parsePollCommand('/poll Lunch?');
    expect(!result.ok && result.problem).toContain('/poll Question? | option | option (2 to 10 options)');
  });
});
