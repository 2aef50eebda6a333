import { useEffect, useState } from 'react';

import { Dialog } from '@/components/dialog';
import { Drawer } from '@/components/drawer';
import { MenuIcon, PeopleIcon } from '@/components/icons';
import { ChatPane } from '@/features/chat/components/chat-pane';
import type { LiveHandlers } from '@/features/chat/components/chat-pane';
import { RemindersPanel } from '@/features/later/components/reminders-panel';
import { ScheduledStrip } from '@/features/later/components/scheduled-strip';
import { SendLater } from '@/features/later/components/send-later';
import type { LaterState } from '@/features/later/later-store';
import { scheduledIn } from '@/features/later/later-store';
import { isRemindCommand, remindText, REMIND_USAGE } from '@/features/later/remind-command';
import { PollStrip } from '@/features/polls/components/poll-strip';
import { isPollCommand, parsePollCommand, POLL_USAGE } from '@/features/polls/poll-command';
import type { PollsState } from '@/features/polls/poll-store';
import { pendingChoice, pollsIn } from '@/features/polls/poll-store';
import { PresenceList } from '@/features/presence/components/presence-list';
import { TypingIndicator } from '@/features/presence/components/typing-indicator';
import { MemberList } from '@/features/rooms/components/member-list';
import { RoomSidebar } from '@/features/rooms/components/room-sidebar';
import { errorText } from '@/lib/api';
import type { ChatState, Conversation, ConversationKey } from '@/lib/chat-store';
import type { Attachment } from '@/lib/files-protocol';
import { sortMembers, typingUsers } from '@/lib/chat-store';

import type { ChatController } from '../chat-controller';
import { ROUTES } from '../router';
import type { Panel } from '../shell';

interface ChatRouteProps {
  controller: ChatController;
  state: ChatState;
  polls: PollsState;
  /** Your reminders and scheduled messages. */
  later: LaterState;
  /** The drawer open on a phone (below 768 px): the conversations, the people, or none. */
  panel: Panel;
  onPanel: (panel: Panel) => void;
}

const PANEL_BUTTON =
  'flex h-9 shrink-0 items-center gap-1.5 rounded-md border border-line-strong px-2.5 text-sm font-medium text-fg-2 hover:bg-hover md:hidden';

/** The members dialog of a room: loads the list when it opens; live frames keep it current. */
function RoomMembers({ controller, state, room, onClose }: { controller: ChatController; state: ChatState; room: Conversation; onClose: () => void }) {
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    controller.loadMembers(room.name).then(
      () => setLoadError(null),
      (error: unknown) => setLoadError(errorText(error)),
    );
  }, [controller, room.name]);
  const members = state.members[room.name];
  const presence = state.presence[room.name];
  return (
    <Dialog title={`Members of #${room.name}`} onClose={onClose}>
      <MemberList
        me={state.me}
        room={room.name}
        visibility={room.visibility}
        myRole={room.role}
        members={members ? sortMembers(members) : null}
        online={presence ? new Set(presence) : null}
        loadError={loadError}
        onInvite={(username) => controller.invite(room.name, username)}
        onRemove={(username, ban) => controller.removeMember(room.name, username, ban)}
        onSetRole={(username, role) => controller.setRole(room.name, username, role)}
        onLeave={async () => {
          await controller.leaveRoom(room.name);
          onClose();
        }}
      />
    </Dialog>
  );
}

function EmptyState({ notice, onJoin, onMenu }: { notice: string | null; onJoin: (room: string) => void; onMenu: () => void }) {
  return (
    <section className="flex min-w-0 flex-1 flex-col items-center justify-center gap-3 bg-surface p-8 text-center">
      {notice && (
        <p role="status" className="rounded-lg bg-warn-soft px-4 py-2 text-sm text-warn">
          {notice}
        </p>
      )}
      <h2 className="text-lg font-semibold text-fg">Pick a room to start talking</h2>
      <p className="max-w-sm text-sm text-muted">
        Join or create a room from the sidebar, or message someone directly. Not sure where to start?
      </p>
      <div className="flex flex-wrap justify-center gap-2">
        <a href={ROUTES.rooms} className="rounded-lg border border-line-strong px-4 py-2 text-sm font-semibold text-fg-2 hover:bg-hover">
          Browse rooms
        </a>
        <button type="button" onClick={() => onJoin('general')} className="rounded-lg bg-accent-strong px-4 py-2 text-sm font-semibold text-white hover:bg-accent-strong/90">
          Join #general
        </button>
        <button type="button" onClick={onMenu} className="rounded-lg border border-line-strong px-4 py-2 text-sm font-semibold text-fg-2 hover:bg-hover md:hidden">
          Rooms and people
        </button>
      </div>
    </section>
  );
}

export function ChatRoute({ controller, state, polls, later, panel, onPanel }: ChatRouteProps) {
  const active = state.conversations.find((c) => c.key === state.active) ?? null;
  const room = active?.kind === 'room' ? active.name : null;
  const typers = room === null ? [] : typingUsers(state, room);
  const closeDrawers = () => onPanel(null);
  const openPrivate = (user: string) => {
    closeDrawers();
    controller.openPrivate(user);
  };
  const online = room === null ? 0 : new Set(state.presence[room] ?? []).size;
  // Your scheduled messages of the room on screen, asked for once a session, once joined (the
  // room's presence has come: the gateway takes room actions from joined sockets only).
  const joined = room !== null && state.presence[room] !== undefined;
  useEffect(() => {
    if (room !== null && joined) controller.later.listScheduled(room);
  }, [controller, room, joined]);
  /** `/poll Question? | a | b` opens a poll in the room; anything else is a message. */
  const submit = (text: string, replyTo?: string, attachments: Attachment[] = []): string | null => {
    if (isRemindCommand(text) && replyTo === undefined && attachments.length === 0) {
      controller.later.remind(remindText(text));
      return null;
    }
    if (!isPollCommand(text) || replyTo !== undefined || attachments.length > 0) {
      controller.send(text, replyTo, attachments);
      return null;
    }
    if (room === null) return 'Polls are for rooms: open a room to ask it something.';
    const command = parsePollCommand(text);
    if (!command.ok) return command.problem;
    controller.openPoll(room, command.question, command.options);
    return null;
  };
  const key = active?.key ?? null;
  const live: LiveHandlers = {
    onEdit: (id, text) => {
      if (key !== null) controller.live.edit(key, id, text);
    },
    onDelete: (id) => {
      if (key !== null) controller.live.remove(key, id);
    },
    onReact: (id, emoji) => {
      if (key !== null) controller.live.react(key, id, emoji);
    },
    onLoadThread: (id) => (key === null ? Promise.resolve() : controller.live.loadThread(key, id)),
  };
  const unreadElsewhere = state.conversations.reduce((sum, c) => (c.key === state.active ? sum : sum + c.unread), 0);

  return (
    <div className="flex min-h-0 flex-1">
      <Drawer side="left" open={panel === 'nav'} onClose={closeDrawers} width="md:w-56 lg:w-64" label="Conversations">
        <RoomSidebar
          me={state.me}
          entries={state.conversations}
          active={state.active}
          onSelect={(key: ConversationKey) => {
            closeDrawers();
            controller.select(key);
          }}
          onJoinRoom={(name) => {
            closeDrawers();
            controller.openRoom(name);
          }}
          searchUsers={(q) => controller.searchUsers(q)}
          onOpenPrivate={openPrivate}
          onClose={(key) => {
            const entry = state.conversations.find((c) => c.key === key);
            if (entry?.kind === 'room') void controller.leaveRoom(entry.name);
            else controller.close(key);
          }}
          browseHref={ROUTES.rooms}
        />
      </Drawer>
      {active ? (
        <ChatPane
          key={active.key}
          me={state.me}
          conversation={active}
          status={<TypingIndicator users={typers} />}
          notice={state.notice}
          leading={
            <button type="button" onClick={() => onPanel('nav')} className={PANEL_BUTTON}>
              <span className="sr-only">Conversations</span>
              <MenuIcon />
              {unreadElsewhere > 0 && (
                <span className="rounded-full bg-rose-600 px-1.5 text-xs font-bold text-white">
                  {unreadElsewhere > 99 ? '99+' : unreadElsewhere}
                  <span className="sr-only"> unread</span>
                </span>
              )}
            </button>
          }
          trailing={
            room !== null && (
              <>
                <button type="button" onClick={() => onPanel('members')} className="flex h-9 shrink-0 items-center rounded-md border border-line-strong px-2.5 text-sm font-medium text-fg-2 hover:bg-hover">
                  Members
                </button>
                <button type="button" onClick={() => onPanel('people')} className={PANEL_BUTTON}>
                  <span className="sr-only">People in this room</span>
                  <PeopleIcon />
                  <span>
                    {online}
                    <span className="sr-only"> online</span>
                  </span>
                </button>
              </>
            )
          }
          above={
            <>
              {later.remindersOpen && (
                <RemindersPanel reminders={later.reminders} onCancel={(id) => controller.later.cancelReminder(id)} onClose={() => controller.later.closeReminders()} />
              )}
              {room !== null && (
                <ScheduledStrip
                  room={room}
                  messages={scheduledIn(later, room)}
                  onEdit={(id, change) => controller.later.editScheduled(room, id, change)}
                  onCancel={(id) => controller.later.cancelScheduled(room, id)}
                />
              )}
              {room !== null && (
                <PollStrip
                  me={state.me}
                  room={room}
                  polls={pollsIn(polls, room)}
                  pendingChoice={(poll) => pendingChoice(polls, room, poll)}
                  onVote={(poll, choice) => controller.vote(room, poll, choice)}
                />
              )}
            </>
          }
          sendLater={
            room === null
              ? undefined
              : {
                  onSchedule: (text, at) => {
                    controller.later.schedule(room, text, at);
                    return null;
                  },
                  picker: (pick, close) => <SendLater onPick={pick} onClose={close} />,
                }
          }
          onDismissNotice={() => controller.dismissNotice()}
          live={live}
          canModerate={active.kind === 'room' && (active.role === 'owner' || active.role === 'admin')}
          onSend={submit}
          hintFor={(text) => (isRemindCommand(text) ? `Remind: ${REMIND_USAGE}` : room !== null && isPollCommand(text) ? `Poll: ${POLL_USAGE}` : null)}
          onRetry={(clientId) => controller.retry(clientId)}
          onLoadOlder={() => controller.loadOlder(active.key)}
          onTyping={() => controller.typing()}
          jumpTo={state.jump?.key === active.key ? state.jump.id : null}
          onJumped={controller.jumps.jumped}
          onLatest={() => void controller.jumps.loadLatest(active.key)}
        />
      ) : (
        <EmptyState notice={state.notice} onJoin={(name) => controller.openRoom(name)} onMenu={() => onPanel('nav')} />
      )}
      {panel === 'members' && active?.kind === 'room' && <RoomMembers controller={controller} state={state} room={active} onClose={closeDrawers} />}
      <Drawer side="right" open={panel === 'people'} onClose={closeDrawers} width="md:w-48 lg:w-56" label="People in this room">
        <PresenceList me={state.me} room={room} users={room === null ? [] : (state.presence[room] ?? [])} onOpenPrivate={openPrivate} />
      </Drawer>
    </div>
  );
}
