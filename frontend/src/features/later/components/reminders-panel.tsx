import type { Reminder } from '../later-frames';
import { shortTime } from '../presets';

interface RemindersPanelProps {
  /** Pending, soonest first; null while the remind function has not answered. */
  reminders: readonly Reminder[] | null;
  onCancel: (id: string) => void;
  onClose: () => void;
}

/** Your pending reminders (opened by a `/remind` command), each with Cancel. */
export function RemindersPanel({ reminders, onCancel, onClose }: RemindersPanelProps) {
  const now = new Date();
  return (
    <section aria-label="Your reminders" className="max-h-[30dvh] shrink-0 overflow-y-auto border-b border-line bg-panel px-3 py-2 sm:px-5">
      <div className="flex items-center justify-between gap-2">
        <h3 className="text-xs font-semibold uppercase tracking-wide text-muted">Your reminders{reminders ? ` (${reminders.length})` : ''}</h3>
        <button type="button" onClick={onClose} className="rounded-md px-2 py-0.5 text-xs text-muted hover:bg-hover" aria-label="Close reminders">
          Close
        </button>
      </div>
      {reminders === null ? (
        <p className="text-sm text-muted">Asking the reminder function…</p>
      ) : reminders.length === 0 ? (
        <p className="text-sm text-muted">No reminders. Try /remind me in 10m stand up.</p>
      ) : (
        <ul className="mt-1 flex flex-col gap-1">
          {reminders.map((reminder) => (
            <li key={reminder.id} data-testid="reminder" className="flex flex-wrap items-baseline gap-2 rounded-md bg-surface px-2 py-1 text-sm">
              <time dateTime={reminder.at} className="shrink-0 text-xs font-medium text-accent">
                {shortTime(reminder.at, now)}
              </time>
              <span className="min-w-0 flex-1 break-words text-fg">
                {reminder.text}
                {reminder.room !== null && <span className="text-muted"> in #{reminder.room}</span>}
              </span>
              <button
                type="button"
                onClick={() => onCancel(reminder.id)}
                className="shrink-0 rounded-md border border-line-strong px-2 py-0.5 text-xs font-medium text-fg-2 hover:bg-hover"
                aria-label={`Cancel reminder: ${reminder.text}`}
              >
                Cancel
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
