import type { Reactions } from '@/lib/live-protocol';

interface ReactionsBarProps {
  me: string;
  reactions: Reactions;
  onToggle: (emoji: string) => void;
  onAdd: () => void;
}

function who(users: string[], me: string): string {
  return users.map((user) => (user === me ? 'you' : user)).join(', ');
}

/** A chip per emoji with its count; yours are pressed; a click toggles yours. "+" opens the picker. */
export function ReactionsBar({ me, reactions, onToggle, onAdd }: ReactionsBarProps) {
  const entries = Object.entries(reactions).filter(([, users]) => users.length > 0);
  if (entries.length === 0) return null;
  return (
    <ul aria-label="Reactions" className="mt-1 flex flex-wrap items-center gap-1">
      {entries.map(([emoji, users]) => {
        const mine = users.includes(me);
        return (
          <li key={emoji}>
            <button
              type="button"
              data-testid="reaction"
              aria-pressed={mine}
              aria-label={`${emoji} ${users.length}, reacted by ${who(users, me)}`}
              title={`Reacted by ${who(users, me)}`}
              onClick={() => onToggle(emoji)}
              className={`flex h-6 items-center gap-1 rounded-full border px-2 text-xs tabular-nums ${
                mine ? 'border-accent bg-indigo-50 font-semibold text-accent dark:bg-indigo-950' : 'border-line bg-surface text-fg-2 hover:bg-hover'
              }`}
            >
              <span aria-hidden="true">{emoji}</span>
              <span aria-hidden="true">{users.length}</span>
            </button>
          </li>
        );
      })}
      <li>
        <button
          type="button"
          aria-label="Add reaction"
          title="Add reaction"
          onClick={onAdd}
          className="flex h-6 items-center rounded-full border border-line px-2 text-xs text-muted hover:bg-hover"
        >
          +
        </button>
      </li>
    </ul>
  );
}
