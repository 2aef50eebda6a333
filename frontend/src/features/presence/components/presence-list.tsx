import { isBot } from '@/lib/protocol';

interface PresenceListProps {
  me: string;
  /** null when no room is open. */
  room: string | null;
  users: string[];
  onOpenPrivate: (user: string) => void;
}

export function PresenceList({ me, room, users, onOpenPrivate }: PresenceListProps) {
  const sorted = [...new Set(users)].sort((a, b) => (a === me ? -1 : b === me ? 1 : a.localeCompare(b)));
  return (
    <aside aria-label="People in this room" className="flex h-full w-full flex-col border-l border-line bg-panel">
      <h2 className="flex h-14 shrink-0 items-center border-b border-line px-4 text-sm font-semibold text-fg-2">
        {room ? `Online — ${sorted.length}` : 'Online'}
      </h2>
      {room === null ? (
        <p className="p-4 text-sm text-muted">Open a room to see who is here.</p>
      ) : (
        <ul className="flex flex-col gap-0.5 overflow-y-auto p-2">
          {sorted.map((user) => (
            <li key={user}>
              {user === me ? (
                <span className="flex items-center gap-2 px-2 py-1.5 text-sm text-muted">
                  <span className="h-2 w-2 rounded-full bg-emerald-500" aria-hidden="true" />
                  {user} (you)
                </span>
              ) : (
                <button
                  type="button"
                  title={`Message ${user} privately`}
                  onClick={() => onOpenPrivate(user)}
                  className="flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm text-fg hover:bg-hover"
                >
                  <span className="h-2 w-2 rounded-full bg-emerald-500" aria-hidden="true" />
                  <span className="min-w-0 flex-1 truncate">{user}</span>
                  {isBot(user) && <span className="rounded bg-violet-700 px-1 text-[10px] font-bold text-white uppercase">bot</span>}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
