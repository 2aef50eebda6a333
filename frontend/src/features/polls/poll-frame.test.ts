import { describe, expect, it } from 'vitest';

import { parsePollFrame, totalVotes, voteOf } from './poll-frame';

const good = {
  type: 'poll',
  id: '01958f3a-7c2e-7000-9d41-2b6f0c1e8a77',
  room: 'lobby',
  question: 'Lunch?',
  options: ['pizza', 'soup'],
  totals: [1, 1],
  votes: { ada: 0, bob: 1 },
  by: 'ada',
};

describe('parsePollFrame', () => {
  it('reads a well-formed poll frame (extra fields are left out)', () => {
    expect(parsePollFrame({ ...good, extra: 'ignored' })).toEqual({
      id: good.id,
      room: 'lobby',
      question: 'Lunch?',
      options: ['pizza', 'soup'],
      totals: [1, 1],
      votes: { ada: 0, bob: 1 },
      by: 'ada',
    });
    expect(parsePollFrame({ ...good, totals: [0, 0], votes: {} })?.votes).toEqual({});
  });

  it.each([
    ['not an object', 'poll'],
    ['an array', [good]],
    ['another type', { ...good, type: 'message' }],
    ['no id', { ...good, id: undefined }],
    ['an empty id', { ...good, id: '' }],
    ['a long id', { ...good, id: 'x'.repeat(65) }],
    ['a bad room', { ...good, room: 'Lobby!' }],
    ['no question', { ...good, question: undefined }],
    ['a blank question', { ...good, question: '   ' }],
    ['a numeric question', { ...good, question: 42 }],
    ['options not an array', { ...good, options: 'pizza,soup' }],
    ['one option', { ...good, options: ['pizza'], totals: [1], votes: {} }],
    ['eleven options', { ...good, options: Array.from({ length: 11 }, (_, i) => `o${i}`), totals: Array<number>(11).fill(0), votes: {} }],
    ['a non-string option', { ...good, options: ['pizza', 2] }],
    ['a blank option', { ...good, options: ['pizza', ' '] }],
    ['totals of another length', { ...good, totals: [2] }],
    ['a negative total', { ...good, totals: [-1, 3] }],
    ['a fractional total', { ...good, totals: [0.5, 1] }],
    ['a string total', { ...good, totals: ['1', 1] }],
    ['votes not an object', { ...good, votes: [0, 1] }],
    ['a vote out of range', { ...good, votes: { ada: 2 } }],
    ['a vote that is not a number', { ...good, votes: { ada: '0' } }],
    ['a voter that is not a user name', { ...good, votes: { 'not a name': 0 } }],
    ['no author', { ...good, by: undefined }],
    ['an author that is not a user name', { ...good, by: '<script>' }],
  ])('rejects %s', (_, frame) => {
    expect(parsePollFrame(frame)).toBeNull();
  });
});

describe('voteOf and totalVotes', () => {
  it('finds your vote by own property only', () => {
    const poll = parsePollFrame(good)!;
    expect(voteOf(poll, 'bob')).toBe(1);
    expect(voteOf(poll, 'cy')).toBeUndefined();
    expect(voteOf(poll, '__proto__')).toBeUndefined();
    expect(voteOf(poll, 'toString')).toBeUndefined();
    expect(voteOf(parsePollFrame(JSON.parse('{"type":"poll","id":"p","room":"r","question":"q","options":["a","b"],"totals":[0,1],"votes":{"__proto__":1},"by":"ada"}'))!, '__proto__')).toBe(1);
    expect(totalVotes(poll)).toBe(2);
  });
});
