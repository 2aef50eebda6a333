/** The "Send later" picker's presets and its custom time, in the browser's time zone. */

export interface Preset {
  label: string;
  at: Date;
}

/** In 30 minutes, in 1 hour, tomorrow at 09:00, next Monday at 09:00 (from `now`). */
export function presets(now: Date): Preset[] {
  const tomorrow = new Date(now);
  tomorrow.setDate(now.getDate() + 1);
  tomorrow.setHours(9, 0, 0, 0);
  const monday = new Date(now);
  monday.setDate(now.getDate() + (((8 - now.getDay()) % 7) || 7));
  monday.setHours(9, 0, 0, 0);
  return [
    { label: 'In 30 minutes', at: new Date(now.getTime() + 30 * 60_000) },
    { label: 'In 1 hour', at: new Date(now.getTime() + 60 * 60_000) },
    { label: 'Tomorrow 09:00', at: tomorrow },
    { label: 'Monday 09:00', at: monday },
  ];
}

/** A Date as a `datetime-local` input's value (local time, to the minute). */
export function toLocalInput(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** A `datetime-local` value as a Date, or what is wrong with it. */
export function fromLocalInput(value: string, now: Date): Date | string {
  const at = new Date(value);
  if (value === '' || Number.isNaN(at.getTime())) return 'Pick a date and time.';
  if (at.getTime() <= now.getTime()) return 'That time has passed: pick one in the future.';
  if (at.getTime() - now.getTime() > 366 * 86_400_000) return 'At most a year ahead.';
  return at;
}

/** A time for a list: "today 17:30", "tomorrow 09:00", or "Mon 8 Dec 09:00". */
export function shortTime(iso: string, now: Date): string {
  const at = new Date(iso);
  const clock = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((day(at) - day(now)) / 86_400_000);
  if (days === 0) return `today ${clock}`;
  if (days === 1) return `tomorrow ${clock}`;
  return `${at.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })} ${clock}`;
}
