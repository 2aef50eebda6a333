import { useEffect, useId, useRef, useState } from 'react';

import { searchEmoji } from '@/lib/emoji';

interface ReactionPickerProps {
  onPick: (emoji: string) => void;
  onClose: () => void;
}

/**
 * Common emoji and a search box (by name: "fire", "thumbs", "heart"). The search box has the
 * focus when it opens; Escape closes it, Enter picks the first match.
 */
export function ReactionPicker({ onPick, onClose }: ReactionPickerProps) {
  const id = useId();
  const [query, setQuery] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const found = searchEmoji(query, 40);

  useEffect(() => {
    box.current?.querySelector('input')?.focus();
    function onPointer(event: PointerEvent) {
      if (event.target instanceof Node && !box.current?.contains(event.target)) onClose();
    }
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [onClose]);

  function pick(emoji: string) {
    onPick(emoji);
    onClose();
  }

  return (
    <div
      ref={box}
      role="dialog"
      aria-label="Pick a reaction"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          onClose();
        }
      }}
      className="z-30 mt-1 w-72 max-w-[calc(100vw-2rem)] rounded-lg border border-line bg-surface p-2 shadow-xl"
    >
      <label htmlFor={`${id}-q`} className="sr-only">
        Search emoji
      </label>
      <input
        id={`${id}-q`}
        type="search"
        value={query}
        placeholder="Search emoji"
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          const first = found[0];
          if (event.key === 'Enter' && first) {
            event.preventDefault();
            pick(first.emoji);
          }
        }}
        className="mb-2 w-full rounded-md border border-line-strong bg-surface px-2 py-1 text-sm text-fg outline-none focus:border-accent"
      />
      {found.length === 0 ? (
        <p className="px-1 py-2 text-sm text-muted">No emoji match “{query}”.</p>
      ) : (
        <ul aria-label="Emoji" className="grid grid-cols-8 gap-0.5">
          {found.map((entry) => (
            <li key={entry.emoji}>
              <button
                type="button"
                aria-label={entry.name.replaceAll('_', ' ')}
                title={`:${entry.name}:`}
                onClick={() => pick(entry.emoji)}
                className="flex h-8 w-8 items-center justify-center rounded text-lg hover:bg-hover"
              >
                {entry.emoji}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
