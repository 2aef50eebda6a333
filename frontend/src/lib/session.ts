/**
 * Who is signed in, and what survives a reload of the tab (sessionStorage, so not other tabs):
 * the rooms joined, the direct conversations open and which one is on screen.
 *
 * The login itself is not kept here. The gateway holds the session in an HttpOnly cookie that
 * no script can read (`parley_session`, sent to `/api` only); the page trades it for short-lived
 * access tokens at `POST /api/refresh` and keeps the current one in memory (`Tokens`), so a
 * script injected into the page finds no token in storage, and a reload signs in again through
 * the cookie.
 */

export interface Session {
  username: string;
  /** The current access token (in memory only; renewed through the cookie when it expires). */
  token: string;
}

/** The access token in memory, and one renewal at a time however many calls need it. */
export class Tokens {
  private current: string | null;
  private renewing: Promise<string | null> | null = null;

  /** `renew` asks the gateway for a fresh token (through the cookie); null when the session ended. */
  constructor(
    private readonly renewWith: () => Promise<string | null>,
    token: string | null = null,
  ) {
    this.current = token;
  }

  get token(): string | null {
    return this.current;
  }

  set(token: string | null): void {
    this.current = token;
  }

  /** A fresh token, or null when the session ended; concurrent callers share one request. */
  renew(): Promise<string | null> {
    this.renewing ??= this.renewWith()
      .catch(() => null)
      .then((token) => {
        this.current = token;
        this.renewing = null;
        return token;
      });
    return this.renewing;
  }
}

/** Who is signed in in this tab: the name only (older builds kept the token here too). */
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

/** Notes who is signed in in this tab (the name only: the token stays in memory). */
export function saveSignedIn(username: string): void {
  write(SESSION, { username });
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
