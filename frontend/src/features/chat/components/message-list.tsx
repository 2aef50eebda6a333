import { useLayoutEffect, useRef } from 'react';

import type { ChatMessage, OutgoingMessage } from '@/lib/chat-store';
import { dayKey, formatDay, formatTime } from '@/lib/time';

interface MessageListProps {
  me: string;
  messages: ChatMessage[];
  outgoing: OutgoingMessage[];
  hasMore: boolean;
  loading: boolean;
  historyFailed?: boolean;
  onLoadOlder: () => void;
  onRetry: (clientId: string) => void;
}

type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; message: ChatMessage; continued: boolean }
  | { kind: 'outgoing'; key: string; message: OutgoingMessage };

/** Messages by the same author within this window are drawn without repeating the header. */
const GROUP_MS = 5 * 60_000;

function buildRows(messages: ChatMessage[], outgoing: OutgoingMessage[]): Row[] {
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

const AVATAR_COLORS = ['bg-sky-500', 'bg-emerald-500', 'bg-amber-500', 'bg-rose-500', 'bg-teal-500', 'bg-fuchsia-500'];

function avatarColor(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return AVATAR_COLORS[hash % AVATAR_COLORS.length] ?? 'bg-slate-500';
}

function Avatar({ name, bot }: { name: string; bot: boolean }) {
  return (
    <span
      aria-hidden="true"
      className={`flex h-9 w-9 shrink-0 items-center justify-center text-sm font-semibold text-white ${
        bot ? 'rounded-lg bg-violet-600' : `rounded-full ${avatarColor(name)}`
      }`}
    >
      {bot ? '⚙' : name.slice(0, 1).toUpperCase()}
    </span>
  );
}

function MessageRow({ message, continued, me }: { message: ChatMessage; continued: boolean; me: string }) {
  const tone = message.bot ? 'bg-violet-50 ring-1 ring-violet-100' : 'hover:bg-slate-50';
  return (
    <li
      data-testid="message"
      data-bot={message.bot ? 'true' : 'false'}
      className={`flex gap-3 rounded-lg px-3 ${continued ? 'py-0.5' : 'mt-2 py-1.5'} ${tone}`}
    >
      {continued ? <span className="w-9 shrink-0" /> : <Avatar name={message.author} bot={message.bot} />}
      <div className="min-w-0 flex-1">
        {!continued && (
          <div className="flex items-baseline gap-2">
            <span className={`text-sm font-semibold ${message.bot ? 'text-violet-700' : 'text-slate-900'}`}>
              {message.author}
              {message.author === me && <span className="ml-1 font-normal text-slate-400">(you)</span>}
            </span>
            {message.bot && (
              <span data-testid="bot-badge" className="rounded bg-violet-600 px-1.5 py-px text-[10px] font-bold tracking-wide text-white uppercase">
                bot
              </span>
            )}
            <time dateTime={message.ts} className="text-xs text-slate-400">
              {formatTime(message.ts)}
            </time>
          </div>
        )}
        <p
          data-testid="message-text"
          className={`text-sm break-words whitespace-pre-wrap ${message.bot ? 'font-mono text-violet-950' : 'text-slate-800'}`}
        >
          {message.text}
        </p>
      </div>
    </li>
  );
}

function OutgoingRow({ message, me, onRetry }: { message: OutgoingMessage; me: string; onRetry: (clientId: string) => void }) {
  const failed = message.status === 'failed';
  return (
    <li
      data-testid="outgoing"
      data-status={message.status}
      className={`mt-2 flex gap-3 rounded-lg px-3 py-1.5 ${failed ? 'bg-red-50' : ''}`}
    >
      <Avatar name={me} bot={false} />
      <div className="min-w-0 flex-1">
        <div className="flex items-baseline gap-2">
          <span className="text-sm font-semibold text-slate-900">
            {me}
            <span className="ml-1 font-normal text-slate-400">(you)</span>
          </span>
          <span className={`text-xs ${failed ? 'text-red-600' : 'text-slate-400'}`}>
            {message.status === 'pending' ? 'Sending…' : message.status === 'sent' ? 'Sent' : 'Not sent'}
          </span>
        </div>
        <p className={`text-sm break-words whitespace-pre-wrap ${message.status === 'pending' ? 'text-slate-400' : 'text-slate-800'}`}>
          {message.text}
        </p>
        {failed && (
          <p className="mt-1 flex items-center gap-2 text-xs text-red-700">
            <span>{message.error ?? 'The server refused this message.'}</span>
            <button
              type="button"
              onClick={() => onRetry(message.clientId)}
              className="rounded border border-red-300 bg-white px-2 py-0.5 font-medium text-red-700 hover:bg-red-100"
            >
              Retry
            </button>
          </p>
        )}
      </div>
    </li>
  );
}

export function MessageList({ me, messages, outgoing, hasMore, loading, historyFailed = false, onLoadOlder, onRetry }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const seen = useRef({ firstId: undefined as string | undefined, height: 0, nearBottom: true, count: 0 });
  const rows = buildRows(messages, outgoing);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const before = seen.current;
    const firstId = messages[0]?.id;
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
      height: element.scrollHeight,
      nearBottom: prepended ? before.nearBottom : before.nearBottom || sentByMe,
      count,
    };
  }, [messages, outgoing]);

  function onScroll() {
    const element = scroller.current;
    if (!element) return;
    seen.current.nearBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
    seen.current.height = element.scrollHeight;
    if (element.scrollTop < 64 && hasMore && !loading) onLoadOlder();
  }

  return (
    <div ref={scroller} onScroll={onScroll} className="min-h-0 flex-1 overflow-y-auto px-4 py-3" aria-live="polite">
      <div className="flex justify-center py-2 text-xs text-slate-400">
        {loading ? (
          <span>Loading older messages…</span>
        ) : historyFailed ? (
          <button type="button" onClick={onLoadOlder} className="text-red-600 hover:underline">
            Could not load history. Try again
          </button>
        ) : hasMore ? (
          <button type="button" onClick={onLoadOlder} className="hover:text-indigo-600 hover:underline">
            Load older messages
          </button>
        ) : (
          <span>This is the beginning of the conversation.</span>
        )}
      </div>
      <ol aria-label="Messages" className="flex flex-col">
        {rows.map((row) =>
          row.kind === 'day' ? (
            <li key={row.key} role="separator" className="my-3 flex items-center gap-3 text-xs font-medium text-slate-500">
              <span className="h-px flex-1 bg-slate-200" />
              {row.label}
              <span className="h-px flex-1 bg-slate-200" />
            </li>
          ) : row.kind === 'message' ? (
            <MessageRow key={row.key} message={row.message} continued={row.continued} me={me} />
          ) : (
            <OutgoingRow key={row.key} message={row.message} me={me} onRetry={onRetry} />
          ),
        )}
      </ol>
    </div>
  );
}
