import { useId, useState } from 'react';
import type { SyntheticEvent } from 'react';

import { ApiError, errorText } from '@/lib/api';
import type { NewRoom, Visibility } from '@/lib/protocol';
import { roomNameProblem } from '@/lib/validation';

interface CreateRoomFormProps {
  /** Creates the room; throws the server's refusal. */
  onCreate: (room: NewRoom) => Promise<void>;
}

const FIELD = 'w-full rounded-md border border-line-strong bg-surface px-2.5 py-1.5 text-sm text-fg placeholder:text-muted';

function refusal(error: unknown, name: string): string {
  if (error instanceof ApiError && error.status === 409) return `A room named ${name} exists already: find it above to join it.`;
  return errorText(error);
}

/** A new room: its name, an optional topic, and who may join (anyone, or only the people you invite). */
export function CreateRoomForm({ onCreate }: CreateRoomFormProps) {
  const id = useId();
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('public');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    const room = name.trim();
    const trouble = roomNameProblem(room);
    setProblem(trouble);
    if (trouble) return;
    setBusy(true);
    try {
      await onCreate({ name: room, topic: topic.trim(), visibility });
      setName('');
      setTopic('');
    } catch (error: unknown) {
      setProblem(refusal(error, room));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form noValidate aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)} className="flex flex-col gap-3 rounded-xl border border-line bg-surface p-4 shadow-sm">
      <h2 id={`${id}-title`} className="text-base font-semibold text-fg">
        Create a room
      </h2>
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-name`} className="text-sm font-medium text-fg-2">
          Name
        </label>
        <input
          id={`${id}-name`}
          value={name}
          placeholder="team-1"
          autoComplete="off"
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onChange={(event) => {
            setName(event.target.value);
            setProblem(null);
          }}
          className={FIELD}
        />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-topic`} className="text-sm font-medium text-fg-2">
          Topic <span className="font-normal text-muted">(optional)</span>
        </label>
        <input id={`${id}-topic`} value={topic} maxLength={200} onChange={(event) => setTopic(event.target.value)} className={FIELD} />
      </div>
      <fieldset className="flex flex-col gap-1.5">
        <legend className="mb-1 text-sm font-medium text-fg-2">Who may join</legend>
        {(['public', 'private'] as const).map((option) => (
          <label key={option} className="flex items-start gap-2 text-sm text-fg">
            <input type="radio" name={`${id}-visibility`} value={option} checked={visibility === option} onChange={() => setVisibility(option)} className="mt-0.5" />
            <span>
              {option === 'public' ? 'Public' : 'Private'}
              <span className="block text-xs text-muted">{option === 'public' ? 'Anyone can find and join it.' : 'Only people you invite can see and join it.'}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {problem && (
        <p id={`${id}-problem`} role="alert" className="text-sm text-danger">
          {problem}
        </p>
      )}
      <button type="submit" disabled={busy} className="self-start rounded-lg bg-accent-strong px-4 py-2 text-sm font-semibold text-white hover:bg-accent-strong/90 disabled:opacity-60">
        Create room
      </button>
    </form>
  );
}
