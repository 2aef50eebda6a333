import { LockIcon } from '@/components/icons';
import type { ConversationKey, ConversationKind } from '@/lib/chat-store';
import type { UserMatch, Visibility } from '@/lib/protocol';
import { roomNameProblem } from '@/lib/validation';

import { NameForm } from './name-form';
import { UserPicker } from './user-picker';

export interface SidebarEntry {
  key: ConversationKey;
  kind: ConversationKind;
  name: string;
  unread: number;
  /** Unread messages that name you. */
  mentions?: number;
  visibility?: Visibility | null;
}

interface RoomSidebarProps {
  me: string;
  entries: SidebarEntry[];
  active: ConversationKey | null;
  onSelect: (key: ConversationKey) => void;
  onJoinRoom: (room: string) => void;
  /** GET /api/users?q= for the "Message a user" picker. */
  searchUsers: (q: string) => Promise<UserMatch[]>;
  /** Called with a name as registered (the picker checked that the user exists). */
  onOpenPrivate: (user: string) => void;
  /** A room: leave it for good; a direct conversation: close it. */
  onClose: (key: ConversationKey) => void;
  /** Where the room browser is (a link). */
  browseHref: string;
}

const count = (n: number) => (n > 99 ? '99+' : String(n));

function EntryRow({ entry, active, onSelect, onClose }: { entry: SidebarEntry; active: boolean; onSelect: () => void; onClose: () => void }) {
  const unread = entry.unread > 0 && !active;
  const mentions = (entry.mentions ?? 0) > 0 && !active ? (entry.mentions ?? 0) : 0;
  const sigil = entry.kind === 'dm' ? '@' : entry.visibility === 'private' ? <LockIcon /> : '#';
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
        <span aria-hidden="true" className={`flex w-3 shrink-0 justify-center ${active ? 'text-indigo-100' : 'text-slate-400'}`}>{sigil}</span>
        <span className="min-w-0 flex-1 truncate">{entry.name}</span>
        {entry.visibility === 'private' && <span className="sr-only">, private</span>}
        {mentions > 0 && (
          <span aria-label={`${mentions} ${mentions === 1 ? 'mention' : 'mentions'}`} className="rounded-full bg-amber-300 px-1.5 text-xs font-bold text-slate-900">
            @{count(mentions)}
          </span>
        )}
        {unread && (
          <span aria-label={`${entry.unread} unread`} className="rounded-full bg-rose-600 px-1.5 text-xs font-bold text-white">
            {count(entry.unread)}
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

export function RoomSidebar({ me, entries, active, onSelect, onJoinRoom, searchUsers, onOpenPrivate, onClose, browseHref }: RoomSidebarProps) {
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
        <a href={browseHref} className="mx-3 rounded-md px-1 text-sm font-medium text-indigo-300 hover:text-indigo-200 hover:underline">
          Browse and create rooms
        </a>
      </section>
      <section aria-labelledby="dm-heading" className="flex flex-col gap-2">
        <h2 id="dm-heading" className="px-4 text-xs font-semibold tracking-wider text-slate-400 uppercase">
          Direct messages
        </h2>
        {dms.length > 0 && <ul className="flex flex-col gap-0.5 px-1">{dms.map(render)}</ul>}
        <UserPicker me={me} search={searchUsers} onPick={onOpenPrivate} />
      </section>
    </nav>
  );
}
