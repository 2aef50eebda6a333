import { describe, expect, it } from 'vitest';

import { emojiFor, replaceShortcodes } from './emoji';

describe('emoji shortcodes', () => {
  it('replaces known names and leaves the rest as typed', () => {
    expect(replaceShortcodes('shipped :tada: :+1: :nope: 10:30:45')).toBe('shipped 🎉 👍 :nope: 10:30:45');
    expect(emojiFor('constructor')).toBeUndefined();
    expect(emojiFor('__proto__')).toBeUndefined();
  });
});
