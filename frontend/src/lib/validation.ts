/** Client-side checks that mirror the server's rules, with messages a person can act on. */
import { MAX_TEXT, MIN_PASSWORD, ROOM_MAX, ROOM_NAME, USERNAME, USERNAME_MAX } from '@/lib/protocol';

/** Returns null when valid, else what is wrong. */
export function roomNameProblem(name: string): string | null {
  if (name.length === 0) return 'Enter a room name.';
  if (name.length > ROOM_MAX) return `Room names are at most ${ROOM_MAX} characters.`;
  if (!ROOM_NAME.test(name)) {
    return 'Room names use only lowercase letters, digits, "-" and "_" (for example: general, team-1).';
  }
  return null;
}

export function usernameProblem(name: string): string | null {
  if (name.length === 0) return 'Enter a user name.';
  if (name.length > USERNAME_MAX) return `User names are at most ${USERNAME_MAX} characters.`;
  if (!USERNAME.test(name)) return 'User names use only letters, digits, ".", "-" and "_".';
  return null;
}

export function passwordProblem(password: string): string | null {
  return password.length < MIN_PASSWORD ? `Passwords have at least ${MIN_PASSWORD} characters.` : null;
}

export function messageProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length === 0) return 'Type a message first.';
  if (trimmed.length > MAX_TEXT) return `Messages are at most ${MAX_TEXT} characters (this one has ${trimmed.length}).`;
  return null;
}
