/** The composer's `/remind me in 10m stand up` command (functions/remind.py reads the rest). */

export const REMIND_USAGE = '/remind me|#room in 10m|at 17:30|tomorrow 09:00 what · /remind list · /remind cancel <id>';

/** Whether the text is meant as a reminder command: `/remind`, alone or followed by a space. */
export function isRemindCommand(text: string): boolean {
  return /^\/remind(\s|$)/.test(text.trim());
}

/** What follows `/remind` (the function reads it), trimmed; "" means: list them. */
export function remindText(text: string): string {
  return text.trim().replace(/^\/remind/, '').trim();
}

/** The browser's IANA time zone, for clock times such as "tomorrow 09:00". */
export function timeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
