import { useEffect, useState } from 'react';
import type { DragEvent, ReactNode } from 'react';

import { Dialog } from '@/components/dialog';
import { useFiles } from '../files/files-context';
import { readyUploads, stillUploading } from '../files/pending-attachments';
import { usePendingAttachments } from '../files/use-pending-attachments';
import type { Attachment } from '@/lib/files-protocol';
import type { ChatMessage, Conversation } from '@/lib/chat-store';
import { findMessage, seenMessage } from '@/lib/chat-store-live';
import { loadDraft, saveDraft } from '@/lib/drafts';
import type { Id } from '@/lib/protocol';

import type { ComposerSendLater } from './composer';
import { Composer } from './composer';
import { MessageList } from './message-list';
import type { MessageActions } from './message-row';
import { ReplyBar } from './reply-bar';
import { ThreadPanel } from './thread-panel';

/** What the pane asks of the controller for changes to messages. */
export interface LiveHandlers {
  onEdit: (id: Id, text: string) => void;
  onDelete: (id: Id) => void;
  onReact: (id: Id, emoji: string) => void;
  onLoadThread: (id: Id) => Promise<void>;
}

const NO_LIVE: LiveHandlers = { onEdit: () => undefined, onDelete: () => undefined, onReact: () => undefined, onLoadThread: () => Promise.resolve() };

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
  /** The composer's "Send later" (rooms), absent: no such button. */
  sendLater?: ComposerSendLater | undefined;
  onDismissNotice?: () => void;
  /**
   * Returns a problem to show under the box (the text stays), or null once it is on its way;
   * `replyTo`: an answer to that message; `attachments`: uploaded files it carries.
   */
  onSend: (text: string, replyTo?: Id, attachments?: Attachment[]) => string | null;
  /** The message to scroll to and flash (a search hit), and that it was shown. */
  jumpTo?: Id | null;
  onJumped?: () => void;
  /** An older window is shown: load the newest messages again. */
  onLatest?: () => void;
  /** Edit, delete, react, threads. */
  live?: LiveHandlers;
  /** You own or administer this room: any message may be deleted. */
  canModerate?: boolean;
  /** A line that replaces the composer's keyboard hints while it applies to the text (a command's form). */
  hintFor?: (text: string) => string | null;
  onRetry: (clientId: string) => void;
  onLoadOlder: () => void;
  onTyping?: () => void;
}

interface PaneUi {
  key: string;
  replyTo: Id | null;
  editing: Id | null;
  thread: Id | null;
  deleting: ChatMessage | null;
  focus: number;
}

const freshUi = (key: string): PaneUi => ({ key, replyTo: null, editing: null, thread: null, deleting: null, focus: 0 });

export function ChatPane({
  me,
  conversation,
  status,
  notice,
  leading,
  trailing,
  above,
  sendLater,
  onDismissNotice,
  onSend,
  hintFor,
  onRetry,
  onLoadOlder,
  onTyping,
  live = NO_LIVE,
  canModerate = false,
  jumpTo = null,
  onJumped,
  onLatest,
}: ChatPaneProps) {
  const room = conversation.kind === 'room';
  const [ui, setUi] = useState<PaneUi>(() => freshUi(conversation.key));
  // Another conversation: no reply, edit, thread or question carries over.
  if (ui.key !== conversation.key) setUi(freshUi(conversation.key));
  const patch = (change: Partial<PaneUi>) => setUi((current) => ({ ...current, ...change }));
  const replyParent = ui.replyTo === null ? undefined : findMessage(conversation, ui.replyTo);
  const lookup = (id: Id) => findMessage(conversation, id);
  const files = useFiles();
  const pending = usePendingAttachments(files);
  const [dragging, setDragging] = useState(false);
  const ready = readyUploads(pending.items);
  const hasFiles = (event: DragEvent) => files !== null && [...event.dataTransfer.types].includes('Files');

  const actions: MessageActions = {
    onReply: (message) => setUi((current) => ({ ...current, replyTo: message.id, focus: current.focus + 1 })),
    onEditing: (id) => patch({ editing: id }),
    onEdit: live.onEdit,
    onDelete: (message) => patch({ deleting: message }),
    onReact: live.onReact,
    onOpenThread: (id) => patch({ thread: id }),
    onJumpTo: (id) => {
      const element = document.getElementById(`message-${id}`);
      if (!element) {
        patch({ thread: id });
        return;
      }
      element.scrollIntoView({ block: 'center' });
      element.classList.remove('flash');
      // Restart the animation on the next frame.
      requestAnimationFrame(() => element.classList.add('flash'));
    },
  };

  // Escape anywhere closes the thread panel (menus, pickers, editors and dialogs keep their own Escape).
  const threadOpen = ui.thread !== null;
  useEffect(() => {
    if (!threadOpen) return;
    function onKeyDown(event: KeyboardEvent) {
      if (event.key === 'Escape' && !event.defaultPrevented) setUi((current) => ({ ...current, thread: null }));
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [threadOpen]);

  /** Up in an empty composer: edit your newest message here. */
  const editLast = (): boolean => {
    const last = [...conversation.messages].reverse().find((m) => m.author === me && m.deleted !== true);
    if (!last) return false;
    patch({ editing: last.id });
    return true;
  };

  const send = (text: string): string | null => {
    const problem = ready.length > 0 ? onSend(text, replyParent?.id, ready) : replyParent === undefined ? onSend(text) : onSend(text, replyParent.id);
    if (problem === null && ui.replyTo !== null) patch({ replyTo: null });
    if (problem === null) pending.clear();
    return problem;
  };

  return (
    <div className="flex min-h-0 min-w-0 flex-1">
      <section
        className="relative flex min-h-0 min-w-0 flex-1 flex-col bg-surface"
        aria-label={room ? `Room ${conversation.name}` : `Conversation with ${conversation.name}`}
        data-testid="chat-drop-zone"
        onDragEnter={(event) => {
          if (hasFiles(event)) setDragging(true);
        }}
        onDragOver={(event) => {
          if (!hasFiles(event)) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(event) => {
          if (event.relatedTarget === null || !event.currentTarget.contains(event.relatedTarget as Node)) setDragging(false);
        }}
        onDrop={(event) => {
          setDragging(false);
          const dropped = [...event.dataTransfer.files];
          if (files === null || dropped.length === 0) return;
          event.preventDefault();
          pending.add(dropped);
        }}
      >
        {dragging && (
          <div aria-hidden="true" className="pointer-events-none absolute inset-2 z-20 flex items-center justify-center rounded-xl border-2 border-dashed border-accent bg-surface/85 text-base font-semibold text-accent">
            Drop files to attach them
          </div>
        )}
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
          canModerate={canModerate}
          divider={conversation.divider}
          seenId={seenMessage(conversation, me)}
          editing={ui.editing}
          actions={actions}
          lookup={lookup}
          jumpTo={jumpTo}
          onJumped={onJumped}
          detached={conversation.detached === true}
          onLatest={onLatest}
        />
        <div className="h-5 shrink-0 truncate px-5 text-xs text-muted">{status}</div>
        {/* One composer per conversation: its text is that conversation's draft, never another's. */}
        <Composer
          key={`composer-${conversation.key}`}
          placeholder={room ? `Message #${conversation.name}` : `Message ${conversation.name}`}
          draft={loadDraft(me, conversation.key)}
          onDraftChange={(text) => saveDraft(me, conversation.key, text)}
          onSend={send}
          hintFor={hintFor}
          onTyping={onTyping}
          onEditLast={editLast}
          onEscape={() => {
            if (ui.replyTo === null) return false;
            patch({ replyTo: null });
            return true;
          }}
          top={replyParent && <ReplyBar parent={replyParent} onCancel={() => patch({ replyTo: null })} />}
          focusSignal={ui.focus}
          {...(sendLater ? { sendLater } : {})}
          {...(files === null
            ? {}
            : { files: { items: pending.items, onAdd: pending.add, onRemove: pending.remove, ready: ready.length > 0, uploading: stillUploading(pending.items) } })}
        />
      </section>
      {ui.thread !== null && (
        <ThreadPanel
          key={ui.thread}
          me={me}
          conversation={conversation}
          parentId={ui.thread}
          canModerate={canModerate}
          editing={ui.editing}
          actions={{ ...actions, onReply: (message) => patch({ thread: message.replyTo ?? message.id }) }}
          onLoad={live.onLoadThread}
          onSend={(text) => onSend(text, ui.thread ?? undefined)}
          onClose={() => patch({ thread: null })}
        />
      )}
      {ui.deleting !== null && (
        <Dialog title="Delete this message?" onClose={() => patch({ deleting: null })}>
          <div className="flex flex-col gap-3 p-4">
            <p className="text-sm text-fg-2">It will show as “This message was deleted” for everyone. This cannot be undone.</p>
            <div className="flex justify-end gap-2">
              <button type="button" onClick={() => patch({ deleting: null })} className="rounded-md border border-line-strong px-3 py-1.5 text-sm text-fg-2 hover:bg-hover">
                Cancel
              </button>
              <button
                type="button"
                onClick={() => {
                  const target = ui.deleting;
                  patch({ deleting: null });
                  if (target) live.onDelete(target.id);
                }}
                className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800"
              >
                Delete
              </button>
            </div>
          </div>
        </Dialog>
      )}
    </div>
  );
}
