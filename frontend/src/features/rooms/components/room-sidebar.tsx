import type { ConversationKey, ConversationKind } from '@/lib/chat-store';
import { roomNameProblem, usernameProblem } from '@/lib/validation';

import { NameForm } from './name-form';

export interface SidebarEntry {
  key: ConversationKey;
  kind: ConversationKind;
  name: string;
  unread: number;
}

interface RoomSidebarProps {
  me: string;
  entries: SidebarEntry[];
  active: ConversationKey | null;
  onSelect: (key: ConversationKey) => void;
  onJoinRoom: (room: string) => void;
  onOpenPrivate: (user: string) => void;
  onClose: (key: ConversationKey) => void;
}

function EntryRow({ entry, active, onSelect, onClose }: { entry: SidebarEntry; active: boolean; onSelect: () => void; onClose: () => void }) {
  const unread = entry.unread > 0 && !active;
  const label = entry.kind === 'room' ? `Leave ${entry.name}` : `Close conversation with ${entry.name}`;
  return (
    <li className="group relative">
      <button
        type="button"
        onClick={onSelect}
        aria-current={active ? 'page' : undefined}
        className={`flex w-full items-center gap-2 rounded-md py-1.5 pr-8 pl-3 text-left text-sm ${
          active ? 'bg-indigo-600 text-white' : unread ? 'font-semibold text-white hover:bg-slate-800' : 'text-slate-300 hover:bg-slate-800'
        }`}
      >
        <span aria-hidden="true" className={active ? 'text-indigo-100' : 'text-slate-400'}>{entry.kind === 'room' ? '#' : '@'}</span>
        <span className="min-w-0 flex-1 truncate">{entry.name}</span>
        {unread && (
          <span aria-label={`${entry.unread} unread`} className="rounded-full bg-rose-600 px-1.5 text-xs font-bold text-white">
            {entry.unread > 99 ? '99+' : entry.unread}
          </span>
        )}
      </button>
      <button
        type="button"
        aria-label={label}
        title={label}
        onClick={onClose}
        // Always in the tab order (display:none would take it out); visible on hover and focus.
        className={`absolute top-1/2 right-1 -translate-y-1/2 rounded px-1.5 leading-6 opacity-0 group-hover:opacity-100 hover:bg-slate-700 hover:text-white focus-visible:opacity-100 ${
          active ? 'text-indigo-100' : 'text-slate-300'
        }`}
      >
        ×
      </button>
    </li>
  );
}

export function RoomSidebar({ me, entries, active, onSelect, onJoinRoom, onOpenPrivate, onClose }: RoomSidebarProps) {
  const rooms = entries.filter((e) => e.kind === 'room');
  const dms = entries.filter((e) => e.kind === 'dm');
  const render = (entry: SidebarEntry) => (
    <EntryRow
      key={entry.key}
      entry={entry}
      active={entry.key === active}
      onSelect={() => onSelect(entry.key)}
      onClose={() => onClose(entry.key)}
    />
  );
  return (
    <nav aria-label="Conversations" className="flex h-full w-full flex-col gap-5 overflow-y-auto bg-slate-900 py-4 dark:bg-slate-950">
      <section aria-labelledby="rooms-heading" className="flex flex-col gap-2">
        <h2 id="rooms-heading" className="px-4 text-xs font-semibold tracking-wider text-slate-400 uppercase">
          Rooms
        </h2>
        {rooms.length === 0 ? (
          <p className="px-4 text-sm text-slate-400">No rooms yet. Join one below.</p>
        ) : (
          <ul className="flex flex-col gap-0.5 px-1">{rooms.map(render)}</ul>
        )}
        <NameForm label="Join or create a room" placeholder="join or create a room" button="Join" validate={roomNameProblem} onSubmit={onJoinRoom} />
      </section>
      <section aria-labelledby="dm-heading" className="flex flex-col gap-2">
        <h2 id="dm-heading" className="px-4 text-xs font-semibold tracking-wider text-slate-400 uppercase">
          Direct messages
        </h2>
        {dms.length > 0 && <ul className="flex flex-col gap-0.5 px-1">{dms.map(render)}</ul>}
        <NameForm
          label="Message a user"
          placeholder="message a user"
          button="Open"
          validate={(name) => usernameProblem(name) ?? (name === me ? 'That is you: pick someone else.' : null)}
          onSubmit={onOpenPrivate}
        />
      </section>
    </nav>
  );
}
