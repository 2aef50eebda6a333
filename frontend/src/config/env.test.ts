import { describe, expect, it } from 'vitest';

import { EnvError, parseEnv } from './env';

const page = { protocol: 'http:', host: 'chat.example:5173' };

describe('parseEnv', () => {
  it('defaults to the page origin', () => {
    const env = parseEnv({}, page);
    expect(env.apiBase).toBe('');
    expect(env.socketUrl('a b')).toBe('ws://chat.example:5173/ws?ticket=a%20b');
    expect(parseEnv({}, { protocol: 'https:', host: 'chat.example' }).socketUrl('t')).toBe('wss://chat.example/ws?ticket=t');
  });

  it('uses VITE_PARLEY_GATEWAY for both REST and the socket', () => {
    const env = parseEnv({ VITE_PARLEY_GATEWAY: 'https://gw.example:8443' }, page);
    expect(env.apiBase).toBe('https://gw.example:8443');
    expect(env.socketUrl('t')).toBe('wss://gw.example:8443/ws?ticket=t');
    expect(parseEnv({ VITE_PARLEY_GATEWAY: 'ws://127.0.0.1:8000' }, page).apiBase).toBe('http://127.0.0.1:8000');
  });

  it('refuses a value that is not a gateway origin', () => {
    expect(() => parseEnv({ VITE_PARLEY_GATEWAY: 'localhost:8000' }, page)).toThrow(EnvError);
    expect(() => parseEnv({ VITE_PARLEY_GATEWAY: 'ftp://x' }, page)).toThrow(/http\(s\)/);
    expect(() => parseEnv({ VITE_PARLEY_GATEWAY: 'http://x/ws' }, page)).toThrow(/without a path/);
  });
});
