import { useEffect, useLayoutEffect, useRef, useState } from 'react';

import { PaperclipIcon } from '@/components/icons';
import type { ChatMessage, OutgoingMessage } from '@/lib/chat-store';
import type { Id } from '@/lib/protocol';
import { dayKey, formatDay } from '@/lib/time';

import { Avatar } from './avatar';
import type { MessageActions } from './message-row';
import { MessageRow } from './message-row';
import { quoteOf } from './quote';

interface MessageListProps {
  me: string;
  messages: ChatMessage[];
  outgoing: OutgoingMessage[];
  hasMore: boolean;
  loading: boolean;
  historyFailed?: boolean;
  onLoadOlder: () => void;
  onRetry: (clientId: string) => void;
  /** You own or administer the room (delete any message). */
  canModerate?: boolean;
  /** "New messages" goes above this message. */
  divider?: Id | null;
  /** "Seen" goes under this message. */
  seenId?: Id | null;
  /** The message being edited in place. */
  editing?: Id | null;
  actions?: MessageActions;
  /** Finds a reply's parent (timeline or loaded threads). */
  lookup?: (id: Id) => ChatMessage | undefined;
  /** Scroll to this message and flash it (a search hit); `onJumped` once done. */
  jumpTo?: Id | null;
  onJumped?: (() => void) | undefined;
  /** The messages are an older window: offer to load the newest. */
  detached?: boolean;
  onLatest?: (() => void) | undefined;
}

const noop = () => undefined;
const NO_ACTIONS: MessageActions = {
  onReply: noop,
  onEditing: noop,
  onEdit: noop,
  onDelete: noop,
  onReact: noop,
  onOpenThread: noop,
  onJumpTo: noop,
};

type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'new'; key: string }
  | { kind: 'message'; key: string; message: ChatMessage; continued: boolean }
  | { kind: 'outgoing'; key: string; message: OutgoingMessage };

/** Messages by the same author within this window are drawn without repeating the header. */
const GROUP_MS = 5 * 60_000;

function buildRows(messages: ChatMessage[], outgoing: OutgoingMessage[], divider: Id | null): Row[] {
  const rows: Row[] = [];
  let lastDay = '';
  let previous: ChatMessage | null = null;
  for (const message of messages) {
    const day = dayKey(message.ts);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day-${day}-${message.id}`, label: formatDay(message.ts) });
      lastDay = day;
      previous = null;
    }
    if (message.id === divider) {
      rows.push({ kind: 'new', key: `new-${message.id}` });
      previous = null;
    }
    const continued =
      previous !== null &&
      previous.author === message.author &&
      Date.parse(message.ts) - Date.parse(previous.ts) < GROUP_MS;
    rows.push({ kind: 'message', key: message.id, message, continued });
    previous = message;
  }
  const shown = new Set(messages.map((m) => m.id));
  for (const message of outgoing) {
    if (message.id !== undefined && shown.has(message.id)) continue;
    const day = dayKey(message.ts);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day-${day}-${message.clientId}`, label: formatDay(message.ts) });
      lastDay = day;
    }
    rows.push({ kind: 'outgoing', key: message.clientId, message });
  }
  return rows;
}

function OutgoingRow({ message, me, onRetry, parent }: { message: OutgoingMessage; me: string; onRetry: (clientId: string) => void; parent?: ChatMessage | undefined }) {
  const failed = message.status === 'failed';
  return (
    <li
      data-testid="outgoing"
      data-status={message.status}
      className={`mt-2 flex gap-3 rounded-lg px-2 py-1.5 sm:px-3 ${failed ? 'bg-danger-soft' : ''}`}
    >
      <Avatar name={me} bot={false} />
      <div className="min-w-0 flex-1">
        {message.replyTo !== undefined && (
          <p className="mb-0.5 truncate border-l-2 border-line-strong pl-2 text-xs text-muted">↩ {quoteOf(parent)}</p>
        )}
        <div className="flex flex-wrap items-baseline gap-x-2">
          <span className="text-sm font-semibold text-fg">
            {me}
            <span className="ml-1 font-normal text-muted">(you)</span>
          </span>
          <span className={`text-xs ${failed ? 'text-danger' : 'text-muted'}`}>
            {message.status === 'pending' ? 'Sending…' : message.status === 'sent' ? 'Sent' : 'Not sent'}
          </span>
        </div>
        <p className={`text-sm break-words whitespace-pre-wrap ${message.status === 'pending' ? 'text-muted' : 'text-fg'}`}>
          {message.text}
        </p>
        {message.attachments !== undefined && (
          <p className="flex items-center gap-1 text-xs text-muted">
            <PaperclipIcon />
            <span className="min-w-0 truncate">{message.attachments.map((a) => a.name).join(', ')}</span>
          </p>
        )}
        {failed && (
          <p className="mt-1 flex flex-wrap items-center gap-2 text-xs text-danger">
            <span>{message.error ?? 'The server refused this message.'}</span>
            <button
              type="button"
              onClick={() => onRetry(message.clientId)}
              className="rounded border border-danger/40 bg-surface px-2 py-0.5 font-medium text-danger hover:bg-danger-soft"
            >
              Retry
            </button>
          </p>
        )}
      </div>
    </li>
  );
}

/** Within this many pixels of the end counts as "at the bottom" (following new messages). */
const NEAR_BOTTOM_PX = 80;

export function MessageList({
  me,
  messages,
  outgoing,
  hasMore,
  loading,
  historyFailed = false,
  onLoadOlder,
  onRetry,
  canModerate = false,
  divider = null,
  seenId = null,
  editing = null,
  actions = NO_ACTIONS,
  lookup,
  jumpTo = null,
  onJumped,
  detached = false,
  onLatest,
}: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const seen = useRef({ firstId: undefined as string | undefined, lastId: undefined as string | undefined, height: 0, nearBottom: true, count: 0 });
  /** The newest message id when the reader scrolled up, or null while they follow the end. */
  const [leftAt, setLeftAt] = useState<string | null>(null);
  /** What the live region says: the newest message that arrived while this list was shown. */
  const [announcement, setAnnouncement] = useState('');
  const rows = buildRows(messages, outgoing, divider);
  const find = (id: Id | undefined) => (id === undefined ? undefined : (lookup?.(id) ?? messages.find((m) => m.id === id)));

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const before = seen.current;
    const firstId = messages[0]?.id;
    const last = messages.at(-1);
    const count = messages.length + outgoing.length;
    const prepended =
      before.firstId !== undefined && firstId !== before.firstId && messages.some((m) => m.id === before.firstId);
    const sentByMe = outgoing.length > 0 && count > before.count;
    if (prepended) {
      // An older page went on top: keep the message the reader was looking at in place.
      element.scrollTop += element.scrollHeight - before.height;
    } else if (before.nearBottom || sentByMe) {
      element.scrollTop = element.scrollHeight;
    }
    seen.current = {
      firstId,
      lastId: last?.id,
      height: element.scrollHeight,
      nearBottom: prepended ? before.nearBottom : before.nearBottom || sentByMe,
      count,
    };
  }, [messages, outgoing]);

  // A jump (a search hit): once its message is on the list, bring it into view and flash it.
  const target = jumpTo !== null && messages.some((m) => m.id === jumpTo) ? jumpTo : null;
  useEffect(() => {
    if (target === null) return;
    const element = document.getElementById(`message-${target}`);
    if (element) {
      seen.current.nearBottom = false;
      if (typeof element.scrollIntoView === 'function') element.scrollIntoView({ block: 'center' });
      element.classList.remove('flash');
      requestAnimationFrame(() => element.classList.add('flash'));
    }
    onJumped?.();
  }, [target, onJumped]);

  // Announce a message that arrives at the end (not history loading on top, not the first page).
  const last = messages.at(-1);
  const [announced, setAnnounced] = useState<string | undefined>(last?.id);
  if (last && last.id !== announced) {
    setAnnounced(last.id);
    if (announced !== undefined && last.author !== me) setAnnouncement(`${last.author}: ${last.text}`);
  }

  const unseen = leftAt === null ? 0 : messages.length - 1 - messages.findIndex((m) => m.id === leftAt);

  function scrollToEnd() {
    const element = scroller.current;
    if (element) element.scrollTop = element.scrollHeight;
    seen.current.nearBottom = true;
    setLeftAt(null);
  }

  function onScroll() {
    const element = scroller.current;
    if (!element) return;
    const nearBottom = element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX;
    seen.current.nearBottom = nearBottom;
    seen.current.height = element.scrollHeight;
    if (nearBottom) setLeftAt(null);
    else if (leftAt === null) setLeftAt(seen.current.lastId ?? null);
    if (element.scrollTop < 64 && hasMore && !loading) onLoadOlder();
  }

  return (
    <div className="relative flex min-h-0 flex-1 flex-col">
      <div ref={scroller} onScroll={onScroll} data-testid="message-scroller" className="min-h-0 flex-1 overflow-y-auto px-2 py-3 sm:px-4">
        <div className="flex justify-center py-2 text-xs text-muted">
          {loading ? (
            <span>Loading older messages…</span>
          ) : historyFailed ? (
            <button type="button" onClick={onLoadOlder} className="text-danger hover:underline">
              Could not load history. Try again
            </button>
          ) : hasMore ? (
            <button type="button" onClick={onLoadOlder} className="hover:text-accent hover:underline">
              Load older messages
            </button>
          ) : (
            <span>This is the beginning of the conversation.</span>
          )}
        </div>
        <ol aria-label="Messages" className="flex flex-col">
          {rows.map((row) =>
            row.kind === 'day' ? (
              <li key={row.key}>
                <div role="separator" aria-label={row.label} className="my-3 flex items-center gap-3 text-xs font-medium text-muted">
                  <span className="h-px flex-1 bg-line" />
                  {row.label}
                  <span className="h-px flex-1 bg-line" />
                </div>
              </li>
            ) : row.kind === 'new' ? (
              <li key={row.key}>
                <div role="separator" aria-label="New messages" className="my-2 flex items-center gap-3 text-xs font-semibold text-rose-700 dark:text-rose-300">
                  <span className="h-px flex-1 bg-rose-400" />
                  New messages
                  <span className="h-px flex-1 bg-rose-400" />
                </div>
              </li>
            ) : row.kind === 'message' ? (
              <MessageRow
                key={row.key}
                message={row.message}
                continued={row.continued}
                me={me}
                canModerate={canModerate}
                editing={editing === row.message.id}
                seen={seenId === row.message.id}
                parent={find(row.message.replyTo)}
                actions={actions}
              />
            ) : (
              <OutgoingRow key={row.key} message={row.message} me={me} onRetry={onRetry} parent={find(row.message.replyTo)} />
            ),
          )}
        </ol>
      </div>
      {detached && onLatest && (
        <button
          type="button"
          onClick={onLatest}
          className="absolute right-3 bottom-3 rounded-full bg-accent-strong px-4 py-1.5 text-sm font-semibold text-white shadow-lg hover:bg-accent-strong/90"
        >
          Jump to latest ↓
        </button>
      )}
      {unseen > 0 && !detached && (
        <button
          type="button"
          onClick={scrollToEnd}
          className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full bg-accent-strong px-4 py-1.5 text-sm font-semibold text-white shadow-lg hover:bg-accent-strong/90"
        >
          {unseen === 1 ? '1 new message below' : `${unseen} new messages below`} ↓
        </button>
      )}
      <div aria-live="polite" data-testid="announcer" className="sr-only">
        {announcement}
      </div>
    </div>
  );
}
