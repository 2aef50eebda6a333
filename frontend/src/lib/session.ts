/**
 * What survives a reload of the tab (sessionStorage, so not other tabs): who is signed in,
 * the rooms joined, the direct conversations open and which one is on screen.
 */

export interface Session {
  username: string;
  token: string;
}

const SESSION = 'parley.session';
const ROOMS = 'parley.rooms';
const DMS = 'parley.dms';
const ACTIVE = 'parley.active';

function read(key: string): unknown {
  try {
    const raw = sessionStorage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as unknown);
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: the app still works, it only forgets on reload
  }
}

function readList(key: string): string[] {
  const value = read(key);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function loadSession(): Session | null {
  const value = read(SESSION);
  if (typeof value !== 'object' || value === null) return null;
  const { username, token } = value as Record<string, unknown>;
  return typeof username === 'string' && typeof token === 'string' ? { username, token } : null;
}

export function saveSession(session: Session): void {
  write(SESSION, session);
}

export function clearSession(): void {
  try {
    for (const key of [SESSION, ROOMS, DMS, ACTIVE]) sessionStorage.removeItem(key);
  } catch {
    // storage disabled: nothing was kept
  }
}

export const loadRooms = (): string[] => readList(ROOMS);
export const saveRooms = (rooms: string[]): void => write(ROOMS, rooms);
export const loadDirectChats = (): string[] => readList(DMS);
export const saveDirectChats = (users: string[]): void => write(DMS, users);

/** The key of the conversation on screen (`room:general`, `dm:zoe`), or null. */
export function loadActive(): string | null {
  const value = read(ACTIVE);
  return typeof value === 'string' ? value : null;
}
export const saveActive = (key: string | null): void => write(ACTIVE, key);
