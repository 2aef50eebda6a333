/** Dates for the message list, in the reader's own time zone and locale. */

export function parseTs(ts: string): Date | null {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A key that is equal for two timestamps on the same local day. */
export function dayKey(ts: string): string {
  const date = parseTs(ts);
  if (!date) return 'unknown';
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

export function formatTime(ts: string): string {
  const date = parseTs(ts);
  return date ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '';
}

/** "Today", "Yesterday" or a full date, for day separators. */
export function formatDay(ts: string, now: Date = new Date()): string {
  const date = parseTs(ts);
  if (!date) return 'Unknown date';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (dayKey(ts) === dayKey(now.toISOString())) return 'Today';
  if (dayKey(ts) === dayKey(yesterday.toISOString())) return 'Yesterday';
  return date.toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}
