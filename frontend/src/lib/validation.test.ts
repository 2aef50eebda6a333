import { describe, expect, it } from 'vitest';

import { messageProblem, roomNameProblem, usernameProblem } from './validation';

describe('validation', () => {
  it('accepts room names of 1-64 chars of [a-z0-9_-] only', () => {
    expect(roomNameProblem('general')).toBeNull();
    expect(roomNameProblem('a')).toBeNull();
    expect(roomNameProblem('team_1-dev')).toBeNull();
    expect(roomNameProblem('x'.repeat(64))).toBeNull();
    expect(roomNameProblem('')).toMatch(/Enter/);
    expect(roomNameProblem('x'.repeat(65))).toMatch(/64/);
    expect(roomNameProblem('General')).toMatch(/lowercase/);
    expect(roomNameProblem('my room')).toMatch(/lowercase/);
  });

  it('accepts user names of 1-32 chars of [A-Za-z0-9_.-]', () => {
    expect(usernameProblem('Ann.B-2_x')).toBeNull();
    expect(usernameProblem('a'.repeat(33))).toMatch(/32/);
    expect(usernameProblem('ann!')).toMatch(/letters/);
  });

  it('limits messages to 1-4000 characters after trimming', () => {
    expect(messageProblem('  hi  ')).toBeNull();
    expect(messageProblem(' \n ')).not.toBeNull();
    expect(messageProblem(` ${'x'.repeat(4000)} `)).toBeNull();
    expect(messageProblem('x'.repeat(4001))).toMatch(/4000/);
  });
});
