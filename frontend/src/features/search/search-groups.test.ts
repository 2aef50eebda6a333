import { describe, expect, it } from 'vitest';

import { parseHit, searchable } from './search-api';
import type { SearchHit } from './search-api';
import { groupHits, shownOrder } from './search-groups';

function hit(id: string, kind: SearchHit['kind'], name: string): SearchHit {
  return { id, kind, name, author: 'ada', ts: '2030-01-01T10:00:00Z', text: id, highlight: [{ text: id, match: true }] };
}

describe('groupHits', () => {
  it('groups by room or conversation, in the order of each group’s newest hit, keeping the server’s order inside', () => {
    const groups = groupHits([hit('9', 'room', 'lobby'), hit('8', 'dm', 'bob'), hit('7', 'room', 'lobby'), hit('6', 'room', 'dev'), hit('5', 'dm', 'bob')]);
    expect(groups.map((g) => [g.key, g.label, g.hits.map((h) => h.id)])).toEqual([
      ['room:lobby', '#lobby', ['9', '7']],
      ['dm:bob', '@bob', ['8', '5']],
      ['room:dev', '#dev', ['6']],
    ]);
    // Up and Down walk group by group, as the list shows them.
    expect(shownOrder(groups).map((h) => h.id)).toEqual(['9', '7', '8', '5', '6']);
  });

  it('drops a hit that a later page repeats', () => {
    const groups = groupHits([hit('9', 'room', 'lobby'), hit('8', 'room', 'lobby'), hit('8', 'room', 'lobby')]);
    expect(shownOrder(groups).map((h) => h.id)).toEqual(['9', '8']);
  });
});

describe('parseHit', () => {
  it('reads a room message with its highlight', () => {
    const raw = {
      type: 'message', id: 'm1', room: 'lobby', user: 'ada', text: 'the release notes', ts: '2030-01-01T10:00:00Z',
      highlight: [{ text: 'the ', match: false }, { text: 'release', match: true }, { text: ' notes', match: false }],
    };
    expect(parseHit(raw, 'me')).toEqual({
      id: 'm1', kind: 'room', name: 'lobby', author: 'ada', ts: '2030-01-01T10:00:00Z', text: 'the release notes',
      highlight: [{ text: 'the ', match: false }, { text: 'release', match: true }, { text: ' notes', match: false }],
    });
  });

  it('puts a direct message in the conversation with the other party, whoever wrote it', () => {
    const mine = parseHit({ type: 'private', id: 'p1', from: 'me', to: 'bob', text: 'hi', ts: 't', highlight: [] }, 'me');
    const theirs = parseHit({ type: 'private', id: 'p2', from: 'bob', to: 'me', text: 'yo', ts: 't' }, 'me');
    expect([mine?.kind, mine?.name, mine?.author]).toEqual(['dm', 'bob', 'me']);
    expect([theirs?.name, theirs?.author]).toEqual(['bob', 'bob']);
    // Without segments the whole text stands, unmarked.
    expect(theirs?.highlight).toEqual([{ text: 'yo', match: false }]);
  });

  it('gives null for what is neither kind of message', () => {
    expect(parseHit({ id: 'x', text: 'no room, no parties' }, 'me')).toBeNull();
    expect(parseHit('nonsense', 'me')).toBeNull();
  });
});

describe('searchable', () => {
  it('wants a word (letters or digits, any script) and at most 200 characters', () => {
    expect(searchable('  ')).toBe(false);
    expect(searchable('"*" -')).toBe(false);
    expect(searchable('café')).toBe(true);
    expect(searchable('42')).toBe(true);
    expect(searchable('a'.repeat(201))).toBe(false);
  });
});
