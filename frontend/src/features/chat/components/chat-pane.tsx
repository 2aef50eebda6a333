import type { ReactNode } from 'react';

import type { Conversation } from '@/lib/chat-store';

import { Composer } from './composer';
import { MessageList } from './message-list';

interface ChatPaneProps {
  me: string;
  conversation: Conversation;
  /** A line under the messages (the typing indicator). */
  status?: ReactNode;
  notice?: string | null;
  onDismissNotice?: () => void;
  onSend: (text: string) => void;
  onRetry: (clientId: string) => void;
  onLoadOlder: () => void;
  onTyping?: () => void;
}

export function ChatPane({ me, conversation, status, notice, onDismissNotice, onSend, onRetry, onLoadOlder, onTyping }: ChatPaneProps) {
  const room = conversation.kind === 'room';
  return (
    <section className="flex min-h-0 min-w-0 flex-1 flex-col bg-white" aria-label={room ? `Room ${conversation.name}` : `Conversation with ${conversation.name}`}>
      <header className="flex h-14 shrink-0 items-center gap-2 border-b border-slate-200 px-5">
        <span className="text-lg font-semibold text-slate-400">{room ? '#' : '@'}</span>
        <h2 className="truncate text-base font-semibold text-slate-900">{conversation.name}</h2>
        {!room && <span className="text-sm text-slate-400">private conversation</span>}
      </header>
      {notice && (
        <div role="status" className="flex items-center justify-between bg-amber-50 px-5 py-2 text-sm text-amber-800">
          <span>{notice}</span>
          {onDismissNotice && (
            <button type="button" onClick={onDismissNotice} className="text-amber-700 hover:underline">
              Dismiss
            </button>
          )}
        </div>
      )}
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
      <div className="h-5 shrink-0 px-5 text-xs text-slate-500">{status}</div>
      <Composer placeholder={room ? `Message #${conversation.name}` : `Message ${conversation.name}`} onSend={onSend} onTyping={onTyping} />
    </section>
  );
}
