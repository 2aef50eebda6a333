import { ChatPane } from '@/features/chat/components/chat-pane';
import { PresenceList } from '@/features/presence/components/presence-list';
import { TypingIndicator } from '@/features/presence/components/typing-indicator';
import { RoomSidebar } from '@/features/rooms/components/room-sidebar';
import type { ChatState } from '@/lib/chat-store';
import { typingUsers } from '@/lib/chat-store';

import type { ChatController } from '../chat-controller';

interface ChatRouteProps {
  controller: ChatController;
  state: ChatState;
}

function EmptyState({ onJoin }: { onJoin: (room: string) => void }) {
  return (
    <section className="flex flex-1 flex-col items-center justify-center gap-3 bg-white p-8 text-center">
      <h2 className="text-lg font-semibold text-slate-900">Pick a room to start talking</h2>
      <p className="max-w-sm text-sm text-slate-500">
        Join or create a room from the sidebar, or message someone directly. Not sure where to start?
      </p>
      <button type="button" onClick={() => onJoin('general')} className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500">
        Join #general
      </button>
    </section>
  );
}

export function ChatRoute({ controller, state }: ChatRouteProps) {
  const active = state.conversations.find((c) => c.key === state.active) ?? null;
  const room = active?.kind === 'room' ? active.name : null;
  const typers = room === null ? [] : typingUsers(state, room);
  const openPrivate = (user: string) => controller.openPrivate(user);

  return (
    <div className="flex min-h-0 flex-1">
      <RoomSidebar
        me={state.me}
        entries={state.conversations}
        active={state.active}
        onSelect={(key) => controller.select(key)}
        onJoinRoom={(name) => controller.openRoom(name)}
        onOpenPrivate={openPrivate}
        onClose={(key) => controller.close(key)}
      />
      {active ? (
        <ChatPane
          me={state.me}
          conversation={active}
          status={<TypingIndicator users={typers} />}
          notice={state.notice}
          onDismissNotice={() => controller.dismissNotice()}
          onSend={(text) => controller.send(text)}
          onRetry={(clientId) => controller.retry(clientId)}
          onLoadOlder={() => controller.loadOlder(active.key)}
          onTyping={() => controller.typing()}
        />
      ) : (
        <EmptyState onJoin={(name) => controller.openRoom(name)} />
      )}
      <PresenceList me={state.me} room={room} users={room === null ? [] : (state.presence[room] ?? [])} onOpenPrivate={openPrivate} />
    </div>
  );
}
