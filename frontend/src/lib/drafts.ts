/**
 * Unsent text per conversation, in localStorage so it survives switching conversations,
 * reloads and closing the tab. Kept per user: another account on this browser never sees it.
 */

const PREFIX = 'parley.drafts.';

function read(user: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(PREFIX + user) ?? '{}');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}

export function loadDraft(user: string, conversation: string): string {
  return read(user)[conversation] ?? '';
}

/** Stores the draft, or forgets it when the text is blank. */
export function saveDraft(user: string, conversation: string, text: string): void {
  const others = Object.entries(read(user)).filter(([key]) => key !== conversation);
  const drafts = Object.fromEntries(text.trim() === '' ? others : [...others, [conversation, text]]);
  try {
    if (Object.keys(drafts).length === 0) localStorage.removeItem(PREFIX + user);
    else localStorage.setItem(PREFIX + user, JSON.stringify(drafts));
  } catch {
    // storage full or disabled: the draft lives as long as the page
  }
}

/** Forgets every draft of `user` (on log out). */
export function clearDrafts(user: string): void {
  try {
    localStorage.removeItem(PREFIX + user);
  } catch {
    // storage disabled: nothing was kept
  }
}
