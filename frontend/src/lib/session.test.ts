import { describe, expect, it, vi } from 'vitest';

import { clearSession, saveRooms, Tokens } from './session';

describe('Tokens', () => {
  it('holds the token in memory, never in storage', () => {
    const tokens = new Tokens(() => Promise.resolve(null), 'tok-1');
    expect(tokens.token).toBe('tok-1');
    const stored = [sessionStorage, localStorage].flatMap((storage) => Object.keys(storage).map((key) => storage.getItem(key)));
    expect(stored.join(' ')).not.toContain('tok-1');
  });

  it('renews once for any number of callers at a time', async () => {
    let calls = 0;
    const renew = vi.fn(() => Promise.resolve(`tok-${++calls}`));
    const tokens = new Tokens(renew, 'old');
    const fresh = await Promise.all([tokens.renew(), tokens.renew(), tokens.renew()]);
    expect(fresh).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(renew).toHaveBeenCalledOnce();
    expect(tokens.token).toBe('tok-1');
    await expect(tokens.renew()).resolves.toBe('tok-2'); // a later renewal asks again
  });

  it('forgets the token when the session ended or the renewal failed', async () => {
    const ended = new Tokens(() => Promise.resolve(null), 'old');
    await expect(ended.renew()).resolves.toBeNull();
    expect(ended.token).toBeNull();
    const failing = new Tokens(() => Promise.reject(new Error('offline')), 'old');
    await expect(failing.renew()).resolves.toBeNull();
  });
});

describe('clearSession', () => {
  it('clears what the tab kept, including a token an older build stored', () => {
    sessionStorage.setItem('parley.session', JSON.stringify({ username: 'ada', token: 'old' }));
    saveRooms(['general']);
    clearSession();
    expect(sessionStorage.length).toBe(0);
  });
});
