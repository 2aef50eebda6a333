import { useState } from 'react';

import { MessageAttachments } from './message-attachments';
import type { ChatMessage } from '@/lib/chat-store';
import type { Id } from '@/lib/protocol';
import { formatTime } from '@/lib/time';

import { Avatar } from './avatar';
import { MessageEditor } from './message-editor';
import type { MenuItem } from './message-menu';
import { MessageMenu } from './message-menu';
import { MessageText } from './message-text';
import { quoteOf } from './quote';
import { ReactionPicker } from './reaction-picker';
import { ReactionsBar } from './reactions-bar';

/** What a message's menu, chips and links do (the pane wires them to the controller). */
export interface MessageActions {
  onReply: (message: ChatMessage) => void;
  /** Starts (an id) or stops (null) editing a message in place. */
  onEditing: (id: Id | null) => void;
  onEdit: (id: Id, text: string) => void;
  /** Asks to delete (the pane confirms first). */
  onDelete: (message: ChatMessage) => void;
  onReact: (id: Id, emoji: string) => void;
  onOpenThread: (id: Id) => void;
  /** A reply's quote was clicked: show the message it answers. */
  onJumpTo: (id: Id) => void;
}

interface MessageRowProps {
  message: ChatMessage;
  continued: boolean;
  me: string;
  /** You own or administer the room: any message may be deleted. */
  canModerate: boolean;
  editing: boolean;
  /** "Seen" goes under this message (a conversation: the other party read up to it). */
  seen?: boolean;
  /** The message this one answers, when it is a reply and is loaded. */
  parent?: ChatMessage | undefined;
  actions: MessageActions;
  /** In the thread panel: no "N replies" link and no quote of the parent. */
  inThread?: boolean;
}

function copy(text: string): void {
  void navigator.clipboard.writeText(text).catch(() => undefined);
}

export function MessageRow({ message, continued, me, canModerate, editing, seen = false, parent, actions, inThread = false }: MessageRowProps) {
  const [menu, setMenu] = useState(false);
  const [picker, setPicker] = useState(false);
  const deleted = message.deleted === true;
  const mine = message.author === me;
  const showHeader = !continued || message.replyTo !== undefined;
  const tone = message.bot ? 'bg-bot ring-1 ring-bot-line' : 'hover:bg-hover';
  const items: MenuItem[] = deleted
    ? []
    : [
        { label: 'Reply', onSelect: () => actions.onReply(message) },
        { label: 'React', onSelect: () => setPicker(true) },
        ...(mine ? [{ label: 'Edit', onSelect: () => actions.onEditing(message.id) }] : []),
        ...(mine || canModerate ? [{ label: 'Delete', onSelect: () => actions.onDelete(message), danger: true }] : []),
        { label: 'Copy text', onSelect: () => copy(message.text) },
      ];
  const replies = message.replies ?? 0;
  return (
    <li
      id={inThread ? undefined : `message-${message.id}`}
      data-testid="message"
      data-bot={message.bot ? 'true' : 'false'}
      data-deleted={deleted ? 'true' : undefined}
      onContextMenu={(event) => {
        if (items.length === 0 || editing) return;
        event.preventDefault();
        setMenu(true);
      }}
      className={`group relative flex gap-3 rounded-lg px-2 sm:px-3 ${showHeader ? 'mt-2 py-1.5' : 'py-0.5'} ${tone}`}
    >
      {showHeader ? (
        <Avatar name={message.author} bot={message.bot} />
      ) : (
        <time
          dateTime={message.ts}
          title={message.ts}
          className="w-9 shrink-0 pt-0.5 text-right text-[10px] leading-5 text-muted tabular-nums opacity-0 group-hover:opacity-100 group-focus-within:opacity-100"
        >
          {formatTime(message.ts)}
        </time>
      )}
      <div className="min-w-0 flex-1">
        {message.replyTo !== undefined && !inThread && (
          <button
            type="button"
            data-testid="reply-quote"
            onClick={() => actions.onJumpTo(message.replyTo ?? '')}
            className="mb-0.5 flex max-w-full items-center gap-1 truncate rounded border-l-2 border-line-strong pl-2 text-left text-xs text-muted hover:text-fg"
          >
            <span aria-hidden="true">↩</span>
            <span className="truncate">
              {parent ? <strong className="font-semibold">{parent.author}</strong> : 'Reply to'}
              {parent ? ': ' : ' '}
              {quoteOf(parent)}
            </span>
          </button>
        )}
        {showHeader && (
          <div className="flex flex-wrap items-baseline gap-x-2">
            <span className={`text-sm font-semibold ${message.bot ? 'text-bot-fg' : 'text-fg'}`}>
              {message.author}
              {mine && <span className="ml-1 font-normal text-muted">(you)</span>}
            </span>
            {message.bot && (
              <span data-testid="bot-badge" className="rounded bg-violet-700 px-1.5 py-px text-[10px] font-bold tracking-wide text-white uppercase">
                bot
              </span>
            )}
            <time dateTime={message.ts} title={message.ts} className="text-xs text-muted">
              {formatTime(message.ts)}
            </time>
          </div>
        )}
        {deleted ? (
          <p data-testid="message-text" className="text-sm text-muted italic">
            This message was deleted
          </p>
        ) : editing ? (
          <MessageEditor
            text={message.text}
            onCancel={() => actions.onEditing(null)}
            onSave={(text) => {
              actions.onEditing(null);
              actions.onEdit(message.id, text);
            }}
          />
        ) : (
          <div data-testid="message-text" className={`markdown text-sm break-words text-fg ${message.bot ? 'font-mono' : ''}`}>
            <MessageText text={message.text} me={me} names={message.mentions} />
          </div>
        )}
        {!deleted && message.attachments !== undefined && <MessageAttachments attachments={message.attachments} />}
        {!deleted && message.editedAt !== undefined && !editing && (
          <span data-testid="edited" title={`Edited ${message.editedAt}`} className="text-xs text-muted">
            (edited)
          </span>
        )}
        {!deleted && message.reactions !== undefined && (
          <ReactionsBar me={me} reactions={message.reactions} onToggle={(emoji) => actions.onReact(message.id, emoji)} onAdd={() => setPicker(true)} />
        )}
        {picker && !deleted && <ReactionPicker onPick={(emoji) => actions.onReact(message.id, emoji)} onClose={() => setPicker(false)} />}
        {replies > 0 && !inThread && (
          <button type="button" onClick={() => actions.onOpenThread(message.id)} className="mt-1 text-xs font-semibold text-accent hover:underline">
            {replies === 1 ? '1 reply' : `${replies} replies`}
          </button>
        )}
        {seen && (
          <p data-testid="seen" className="text-right text-xs text-muted">
            Seen
          </p>
        )}
      </div>
      {items.length > 0 && !editing && (
        <div className={`absolute -top-3 right-2 ${menu ? '' : 'sm:opacity-0 sm:group-hover:opacity-100 sm:group-focus-within:opacity-100'}`}>
          <MessageMenu label={`Actions for ${message.author}'s message`} items={items} open={menu} onOpenChange={setMenu} />
        </div>
      )}
    </li>
  );
}
