import type { ChatMessage } from '@/lib/chat-store';

import { quoteOf } from './quote';

/** "Replying to ada: …" above the composer; × or Escape in the box cancels. */
export function ReplyBar({ parent, onCancel }: { parent: ChatMessage; onCancel: () => void }) {
  return (
    <div data-testid="reply-bar" className="mb-1 flex items-center gap-2 rounded-md border-l-2 border-accent bg-panel px-2 py-1 text-xs text-fg-2">
      <span className="min-w-0 flex-1 truncate">
        Replying to <strong className="font-semibold">{parent.author}</strong>: {quoteOf(parent)}
      </span>
      <button type="button" aria-label="Cancel reply" title="Cancel reply (Escape)" onClick={onCancel} className="shrink-0 rounded px-1.5 text-base leading-5 hover:bg-hover">
        ×
      </button>
    </div>
  );
}
