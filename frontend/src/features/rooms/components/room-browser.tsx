import { useEffect, useId, useRef, useState } from 'react';

import { errorText } from '@/lib/api';
import type { NewRoom, RoomListing, RoomPage } from '@/lib/protocol';

import { CreateRoomForm } from './create-room-form';

interface RoomBrowserProps {
  /** GET /api/rooms?q=&cursor=: a page of rooms matching `q`. */
  search: (q: string, cursor?: string) => Promise<RoomPage>;
  /** Rooms in your sidebar (joined on this device even if the listing is older). */
  joined: ReadonlySet<string>;
  /** Joins (or just opens) a room and shows it. */
  onOpen: (room: string) => void;
  onCreate: (room: NewRoom) => Promise<void>;
}

interface Results {
  rooms: RoomListing[];
  next: string | undefined;
  loading: boolean;
  error: string | null;
}

function RoomRow({ room, joined, onOpen }: { room: RoomListing; joined: boolean; onOpen: () => void }) {
  const id = useId();
  return (
    <li aria-labelledby={id} className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
      <div className="min-w-0 flex-1">
        <p className="flex items-center gap-2">
          <span id={id} className="truncate font-semibold text-fg">
            #{room.name}
          </span>
          {room.visibility === 'private' && <span className="rounded bg-hover px-1.5 py-0.5 text-xs font-medium text-fg-2">Private</span>}
          {joined && <span className="rounded bg-emerald-50 px-1.5 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300">Joined</span>}
        </p>
        {room.topic !== '' && <p className="mt-0.5 truncate text-sm text-fg-2">{room.topic}</p>}
        <p className="mt-0.5 text-xs text-muted">
          {room.members} {room.members === 1 ? 'member' : 'members'} · {room.online} online
        </p>
      </div>
      <button
        type="button"
        aria-label={`${joined ? 'Open' : 'Join'} ${room.name}`}
        onClick={onOpen}
        className={
          joined
            ? 'rounded-lg border border-line-strong px-3 py-1.5 text-sm font-semibold text-fg-2 hover:bg-hover'
            : 'rounded-lg bg-accent-strong px-3 py-1.5 text-sm font-semibold text-white hover:bg-accent-strong/90'
        }
      >
        {joined ? 'Open' : 'Join'}
      </button>
    </li>
  );
}

/** Find rooms by name or topic (a page at a time), join one, or create one, public or private. */
export function RoomBrowser({ search, joined, onOpen, onCreate }: RoomBrowserProps) {
  const id = useId();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Results>({ rooms: [], next: undefined, loading: true, error: null });
  const latest = useRef(0);

  function load(q: string, cursor?: string) {
    const request = ++latest.current;
    setResults((previous) => ({ ...previous, loading: true, error: null }));
    search(q.trim(), cursor).then(
      (page) => {
        if (request !== latest.current) return;
        setResults((previous) => ({ rooms: cursor === undefined ? page.rooms : [...previous.rooms, ...page.rooms], next: page.next, loading: false, error: null }));
      },
      (error: unknown) => {
        if (request === latest.current) setResults((previous) => ({ ...previous, loading: false, error: errorText(error) }));
      },
    );
  }

  // The first page of every room, once.
  const first = useRef(false);
  useEffect(() => {
    if (first.current) return;
    first.current = true;
    load('');
  });

  const isJoined = (room: RoomListing) => room.joined || joined.has(room.name);
  return (
    <main className="mx-auto flex w-full max-w-3xl flex-1 flex-col gap-6 overflow-y-auto px-4 py-6 sm:px-6 sm:py-8">
      <div>
        <h1 className="text-2xl font-semibold text-fg">Rooms</h1>
        <p className="mt-1 text-sm text-muted">Public rooms, and the private ones you are in.</p>
      </div>
      <section aria-labelledby={`${id}-found`} className="flex flex-col gap-3">
        <h2 id={`${id}-found`} className="sr-only">
          Find a room
        </h2>
        <label htmlFor={`${id}-q`} className="text-sm font-medium text-fg-2">
          Search rooms
        </label>
        <input
          id={`${id}-q`}
          type="search"
          value={query}
          placeholder="name or topic"
          autoComplete="off"
          onChange={(event) => {
            setQuery(event.target.value);
            load(event.target.value);
          }}
          className="w-full rounded-md border border-line-strong bg-surface px-3 py-2 text-sm text-fg placeholder:text-muted"
        />
        {results.error && (
          <p role="alert" className="rounded-lg bg-danger-soft px-4 py-2 text-sm text-danger">
            Could not search: {results.error}
          </p>
        )}
        <ul aria-label="Rooms found" aria-busy={results.loading} className="flex flex-col divide-y divide-line rounded-xl border border-line bg-surface shadow-sm">
          {results.rooms.map((room) => (
            <RoomRow key={room.name} room={room} joined={isJoined(room)} onOpen={() => onOpen(room.name)} />
          ))}
          {results.rooms.length === 0 && !results.loading && (
            <li className="px-4 py-6 text-center text-sm text-muted">{query.trim() === '' ? 'No rooms yet: create the first one below.' : `No room matches “${query.trim()}”.`}</li>
          )}
        </ul>
        <p role="status" className="text-xs text-muted">
          {results.loading ? 'Searching…' : `${results.rooms.length} ${results.rooms.length === 1 ? 'room' : 'rooms'} shown${results.next ? ', more to load' : ''}`}
        </p>
        {results.next !== undefined && (
          <button
            type="button"
            disabled={results.loading}
            onClick={() => load(query, results.next)}
            className="self-center rounded-lg border border-line-strong px-4 py-2 text-sm font-semibold text-fg-2 hover:bg-hover disabled:opacity-60"
          >
            Load more rooms
          </button>
        )}
      </section>
      <CreateRoomForm onCreate={onCreate} />
    </main>
  );
}
