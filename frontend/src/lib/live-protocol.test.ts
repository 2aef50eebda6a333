import { describe, expect, it } from 'vitest';

import { searchEmoji } from '@/lib/emoji';
import { parseLiveFrame } from '@/lib/live-protocol';
import { parseFrame } from '@/lib/protocol';

describe('parseLiveFrame', () => {
  it('reads edit, delete, reactions, seen and mention frames for rooms and conversations', () => {
    expect(parseLiveFrame({ type: 'edit', id: '1', room: 'r', text: 'hi', edited_at: 't', rev: 2, mentions: ['a'] })).toEqual({ type: 'edit', id: '1', room: 'r', text: 'hi', edited_at: 't', rev: 2, mentions: ['a'] });
    expect(parseLiveFrame({ type: 'delete', id: '1', from: 'a', to: 'b', rev: 1 })).toEqual({ type: 'delete', id: '1', from: 'a', to: 'b', rev: 1 });
    expect(parseLiveFrame({ type: 'reactions', id: '1', room: 'r', reactions: { '👍': ['a'] }, rev: 4 })).toMatchObject({ reactions: { '👍': ['a'] } });
    expect(parseLiveFrame({ type: 'seen', with: 'bob', id: '9' })).toEqual({ type: 'seen', with: 'bob', id: '9' });
    expect(parseLiveFrame({ type: 'mention', id: '1', room: 'r', from: 'a', text: '@b hi' })).toMatchObject({ type: 'mention', room: 'r' });
  });

  it('refuses frames that lack what the contract says they carry', () => {
    expect(parseLiveFrame({ type: 'edit', id: '1', room: 'r', text: 'hi', edited_at: 't' })).toBeNull();
    expect(parseLiveFrame({ type: 'delete', id: '1', rev: 1 })).toBeNull();
    expect(parseLiveFrame({ type: 'reactions', id: '1', room: 'r', rev: -1, reactions: {} })).toBeNull();
    expect(parseLiveFrame({ type: 'poll', id: '1' })).toBeNull();
  });

  it('the frame decoder leaves them to the live path, not the v1 one', () => {
    expect(parseFrame(JSON.stringify({ type: 'seen', with: 'bob', id: '9' }))).toEqual({ extension: { type: 'seen', with: 'bob', id: '9' } });
  });
});

describe('searchEmoji', () => {
  it('offers 24 common reactions and finds more by name', () => {
    expect(searchEmoji('')).toHaveLength(24);
    expect(searchEmoji('fire').map((e) => e.emoji)).toEqual(['🔥']);
    expect(searchEmoji(':heart').map((e) => e.emoji)[0]).toBe('❤️');
    expect(searchEmoji('zzzz')).toEqual([]);
  });
});
