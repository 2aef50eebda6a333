import { useEffect, useRef, useState } from 'react';

import type { ChatMessage, Conversation } from '@/lib/chat-store';
import { findMessage, threadOf } from '@/lib/chat-store-live';
import type { Id } from '@/lib/protocol';

import { Composer } from './composer';
import type { MessageActions } from './message-row';
import { MessageRow } from './message-row';

interface ThreadPanelProps {
  me: string;
  conversation: Conversation;
  parentId: Id;
  canModerate: boolean;
  editing: Id | null;
  actions: MessageActions;
  /** Loads `?thread=parentId` into the store. */
  onLoad: (parentId: Id) => Promise<void>;
  /** Sends an answer to the parent; a problem to show, or null once on its way. */
  onSend: (text: string) => string | null;
  onClose: () => void;
}

/**
 * A message and its answers (loaded with `?thread=`, plus live ones as they come), with a
 * composer that answers it. A side panel; the whole screen on a phone. Escape closes it.
 */
export function ThreadPanel({ me, conversation, parentId, canModerate, editing, actions, onLoad, onSend, onClose }: ThreadPanelProps) {
  const [state, setState] = useState<'loading' | 'ready' | 'error'>('loading');
  const panel = useRef<HTMLElement>(null);
  const parent = findMessage(conversation, parentId);
  const answers: ChatMessage[] = threadOf(conversation, parentId);

  const load = useRef(onLoad);
  useEffect(() => {
    load.current = onLoad;
  });

  useEffect(() => {
    let live = true;
    load.current(parentId).then(
      () => live && setState('ready'),
      () => live && setState('error'),
    );
    return () => {
      live = false;
    };
  }, [parentId]);

  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('textarea')?.focus();
  }, [parentId]);

  const row = (message: ChatMessage) => (
    <MessageRow
      key={message.id}
      message={message}
      continued={false}
      me={me}
      canModerate={canModerate}
      editing={editing === message.id}
      actions={actions}
      inThread
    />
  );

  return (
    <aside
      ref={panel}
      aria-label="Thread"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
      className="fixed inset-0 z-40 flex flex-col bg-surface md:static md:z-auto md:w-80 md:shrink-0 md:border-l md:border-line lg:w-96"
    >
      <header className="flex h-14 shrink-0 items-center gap-2 border-b border-line px-3">
        <h2 className="flex-1 text-base font-semibold text-fg">Thread</h2>
        <button type="button" onClick={onClose} aria-label="Close thread" className="rounded-md border border-line-strong px-2.5 py-1 text-sm text-fg-2 hover:bg-hover">
          Close
        </button>
      </header>
      <div className="min-h-0 flex-1 overflow-y-auto px-2 py-2">
        <ol aria-label="Thread messages" className="flex flex-col">
          {parent ? row(parent) : <li className="px-3 py-2 text-sm text-muted">The original message is not loaded.</li>}
          <li role="separator" aria-label="Replies" className="my-2 flex items-center gap-3 px-3 text-xs font-medium text-muted">
            {answers.length === 1 ? '1 reply' : `${answers.length} replies`}
            <span className="h-px flex-1 bg-line" />
          </li>
          {answers.map(row)}
        </ol>
        {state === 'loading' && <p className="px-3 text-xs text-muted">Loading replies…</p>}
        {state === 'error' && <p className="px-3 text-xs text-danger">Could not load the replies; live ones still show.</p>}
      </div>
      <Composer key={`thread-${parentId}`} label="Reply in thread" placeholder="Reply…" onSend={onSend} />
    </aside>
  );
}
