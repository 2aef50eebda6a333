import { humanSize } from '@/lib/files-protocol';

import type { PendingAttachment } from '../files/pending-attachments';

interface AttachmentChipsProps {
  items: PendingAttachment[];
  onRemove: (key: string) => void;
}

/** The composer's files: name, size, upload progress or why it failed, and a remove (or cancel) button. */
export function AttachmentChips({ items, onRemove }: AttachmentChipsProps) {
  if (items.length === 0) return null;
  return (
    <ul aria-label="Files to send" className="mb-2 flex flex-wrap gap-1.5">
      {items.map((item) => {
        const percent = Math.round(item.progress * 100);
        const failed = item.status === 'failed';
        return (
          <li
            key={item.key}
            data-testid="attachment-chip"
            data-status={item.status}
            className={`relative flex max-w-full min-w-0 items-center gap-2 overflow-hidden rounded-lg border px-2.5 py-1 text-sm ${
              failed ? 'border-danger/40 bg-danger-soft' : 'border-line bg-panel'
            }`}
          >
            {item.status === 'uploading' && (
              <span aria-hidden="true" className="absolute inset-y-0 left-0 bg-accent/15" style={{ width: `${percent}%` }} />
            )}
            <span className="relative min-w-0 truncate font-medium text-fg">{item.name}</span>
            <span className="relative shrink-0 text-xs text-muted">{humanSize(item.size)}</span>
            {item.status === 'uploading' && (
              <progress className="sr-only" max={100} value={percent} aria-label={`Uploading ${item.name}`}>
                {percent}%
              </progress>
            )}
            {item.status === 'uploading' && <span className="relative shrink-0 text-xs text-muted tabular-nums">{percent}%</span>}
            {failed && (
              <span role="alert" className="relative text-xs text-danger">
                {item.error}
              </span>
            )}
            <button
              type="button"
              onClick={() => onRemove(item.key)}
              aria-label={item.status === 'uploading' ? `Cancel upload of ${item.name}` : `Remove ${item.name}`}
              className="relative shrink-0 rounded px-1 text-muted hover:bg-hover hover:text-fg"
            >
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}
