import { useState } from 'react';

import type { ScheduledMessage } from '../later-frames';
import { fromLocalInput, shortTime, toLocalInput } from '../presets';

interface ScheduledStripProps {
  room: string;
  /** Yours, waiting to be sent to this room, soonest first. */
  messages: readonly ScheduledMessage[];
  onEdit: (id: string, change: { text?: string; at?: Date }) => void;
  onCancel: (id: string) => void;
}

const BUTTON = 'rounded-md border border-line-strong px-2 py-0.5 text-xs font-medium text-fg-2 hover:bg-hover';

function EditForm({ message, onSave, onClose }: { message: ScheduledMessage; onSave: (change: { text?: string; at?: Date }) => void; onClose: () => void }) {
  const [text, setText] = useState(message.text);
  const [when, setWhen] = useState(toLocalInput(new Date(message.at)));
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      className="mt-1 flex flex-col gap-1.5"
      onSubmit={(event) => {
        event.preventDefault();
        const at = fromLocalInput(when, new Date());
        if (typeof at === 'string') {
          setProblem(at);
          return;
        }
        if (text.trim() === '') {
          setProblem('Write something, or cancel the message.');
          return;
        }
        onSave({ ...(text.trim() !== message.text ? { text: text.trim() } : {}), ...(at.toISOString() !== message.at ? { at } : {}) });
        onClose();
      }}
    >
      <textarea aria-label="Scheduled message text" value={text} onChange={(e) => setText(e.target.value)} rows={2} className="rounded-md border border-line-strong bg-surface px-2 py-1 text-sm text-fg" />
      <div className="flex flex-wrap items-center gap-2">
        <input aria-label="Send at" type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} className="rounded-md border border-line-strong bg-surface px-2 py-0.5 text-xs text-fg" />
        <button type="submit" className={BUTTON}>
          Save
        </button>
        <button type="button" className={BUTTON} onClick={onClose}>
          Keep as is
        </button>
      </div>
      {problem && (
        <p role="alert" className="text-xs text-danger">
          {problem}
        </p>
      )}
    </form>
  );
}

/** Your messages scheduled for this room, above its messages: each with Edit and Cancel. */
export function ScheduledStrip({ room, messages, onEdit, onCancel }: ScheduledStripProps) {
  const [editing, setEditing] = useState<string | null>(null);
  if (messages.length === 0) return null;
  const now = new Date();
  return (
    <section aria-label={`Scheduled messages in #${room}`} className="max-h-[30dvh] shrink-0 overflow-y-auto border-b border-line bg-panel px-3 py-2 sm:px-5">
      <h3 className="text-xs font-semibold uppercase tracking-wide text-muted">Scheduled by you ({messages.length})</h3>
      <ul className="mt-1 flex flex-col gap-1.5">
        {messages.map((message) => (
          <li key={message.id} data-testid="scheduled-message" className="rounded-md bg-surface px-2 py-1.5 text-sm">
            <div className="flex flex-wrap items-baseline gap-2">
              <time dateTime={message.at} className="shrink-0 text-xs font-medium text-accent">
                {shortTime(message.at, now)}
              </time>
              <span className="min-w-0 flex-1 break-words text-fg">{message.text}</span>
              <span className="flex shrink-0 gap-1">
                <button type="button" className={BUTTON} onClick={() => setEditing(editing === message.id ? null : message.id)}>
                  Edit
                </button>
                <button type="button" className={BUTTON} onClick={() => onCancel(message.id)} aria-label={`Cancel scheduled message: ${message.text}`}>
                  Cancel
                </button>
              </span>
            </div>
            {editing === message.id && <EditForm message={message} onSave={(change) => onEdit(message.id, change)} onClose={() => setEditing(null)} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
