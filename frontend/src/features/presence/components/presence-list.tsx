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
    <aside aria-label="People in this room" className="hidden w-56 shrink-0 flex-col border-l border-slate-200 bg-slate-50 lg:flex">
      <h2 className="flex h-14 shrink-0 items-center border-b border-slate-200 px-4 text-sm font-semibold text-slate-700">
        {room ? `Online — ${sorted.length}` : 'Online'}
      </h2>
      {room === null ? (
        <p className="p-4 text-sm text-slate-500">Open a room to see who is here.</p>
      ) : (
        <ul className="flex flex-col gap-0.5 overflow-y-auto p-2">
          {sorted.map((user) => (
            <li key={user}>
              {user === me ? (
                <span className="flex items-center gap-2 px-2 py-1.5 text-sm text-slate-500">
                  <span className="h-2 w-2 rounded-full bg-emerald-500" aria-hidden="true" />
                  {user} (you)
                </span>
              ) : (
                <button
                  type="button"
                  title={`Message ${user} privately`}
                  onClick={() => onOpenPrivate(user)}
                  className="flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm text-slate-800 hover:bg-white hover:shadow-sm"
                >
                  <span className="h-2 w-2 rounded-full bg-emerald-500" aria-hidden="true" />
                  <span className="min-w-0 flex-1 truncate">{user}</span>
                  {isBot(user) && <span className="rounded bg-violet-100 px-1 text-[10px] font-bold text-violet-700 uppercase">bot</span>}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
