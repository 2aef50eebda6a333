import type { ReactNode } from 'react';

import type { Conversation } from '@/lib/chat-store';
import { loadDraft, saveDraft } from '@/lib/drafts';

import { Composer } from './composer';
import { MessageList } from './message-list';

interface ChatPaneProps {
  me: string;
  conversation: Conversation;
  /** A line under the messages (the typing indicator). */
  status?: ReactNode;
  notice?: string | null;
  /** Controls at the start and end of the header (the drawer buttons on a phone). */
  leading?: ReactNode;
  trailing?: ReactNode;
  /** Shown between the header and the messages (the room's polls). */
  above?: ReactNode;
  onDismissNotice?: () => void;
  /** Returns a problem to show under the box (the text stays), or null once it is on its way. */
  onSend: (text: string) => string | null;
  /** A line that replaces the composer's keyboard hints while it applies to the text (a command's form). */
  hintFor?: (text: string) => string | null;
  onRetry: (clientId: string) => void;
  onLoadOlder: () => void;
  onTyping?: () => void;
}

export function ChatPane({ me, conversation, status, notice, leading, trailing, above, onDismissNotice, onSend, hintFor, onRetry, onLoadOlder, onTyping }: ChatPaneProps) {
  const room = conversation.kind === 'room';
  return (
    <section className="flex min-h-0 min-w-0 flex-1 flex-col bg-surface" aria-label={room ? `Room ${conversation.name}` : `Conversation with ${conversation.name}`}>
      <header className="flex h-14 shrink-0 items-center gap-2 border-b border-line px-3 sm:px-5">
        {leading}
        <span aria-hidden="true" className="text-lg font-semibold text-muted">{room ? '#' : '@'}</span>
        <h2 className="min-w-0 truncate text-base font-semibold text-fg">{conversation.name}</h2>
        {!room && <span className="hidden text-sm text-muted sm:inline">private conversation</span>}
        {room && conversation.topic !== '' && (
          <span data-testid="room-topic" className="hidden min-w-0 truncate text-sm text-muted md:inline">
            {conversation.topic}
          </span>
        )}
        <span className="ml-auto" />
        {trailing}
      </header>
      {notice && (
        <div role="status" className="flex items-center justify-between gap-2 bg-warn-soft px-5 py-2 text-sm text-warn">
          <span>{notice}</span>
          {onDismissNotice && (
            <button type="button" onClick={onDismissNotice} className="shrink-0 hover:underline">
              Dismiss
            </button>
          )}
        </div>
      )}
      {above}
      <MessageList
        key={conversation.key}
        me={me}
        messages={conversation.messages}
        outgoing={conversation.outgoing}
        hasMore={conversation.hasMore}
        loading={conversation.history === 'loading'}
        historyFailed={conversation.history === 'error'}
        onLoadOlder={onLoadOlder}
        onRetry={onRetry}
      />
      <div className="h-5 shrink-0 truncate px-5 text-xs text-muted">{status}</div>
      {/* One composer per conversation: its text is that conversation's draft, never another's. */}
      <Composer
        key={`composer-${conversation.key}`}
        placeholder={room ? `Message #${conversation.name}` : `Message ${conversation.name}`}
        draft={loadDraft(me, conversation.key)}
        onDraftChange={(text) => saveDraft(me, conversation.key, text)}
        onSend={onSend}
        hintFor={hintFor}
        onTyping={onTyping}
      />
    </section>
  );
}
