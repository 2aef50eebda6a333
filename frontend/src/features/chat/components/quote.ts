import type { ChatMessage } from '@/lib/chat-store';

const QUOTE_MAX = 90;

/** A one-line quote of a message: its text shortened, or what became of it. */
export function quoteOf(message: ChatMessage | undefined): string {
  if (message === undefined) return 'an earlier message';
  if (message.deleted === true) return 'message deleted';
  const line = message.text.replace(/\s+/g, ' ').trim();
  return line.length > QUOTE_MAX ? `${line.slice(0, QUOTE_MAX - 1)}…` : line;
}
