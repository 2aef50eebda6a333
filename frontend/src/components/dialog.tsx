import { useEffect, useId, useRef } from 'react';
import type { ReactNode } from 'react';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
}

/**
 * A modal panel over the page: focus moves into it and back to where it was when it closes;
 * Esc (the page's shortcut), the Close button or a click on the backdrop close it. Full width
 * on a phone.
 */
export function Dialog({ title, onClose, children }: DialogProps) {
  const id = useId();
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    panel.current?.focus();
    return () => previous?.focus();
  }, []);

  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center bg-slate-950/50 px-2 pt-[8vh] sm:px-4" onClick={onClose}>
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        tabIndex={-1}
        className="flex max-h-[84vh] w-full max-w-lg flex-col overflow-hidden rounded-xl border border-line bg-surface shadow-2xl outline-none"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          if (event.key !== 'Escape') return;
          event.stopPropagation();
          onClose();
        }}
      >
        <div className="flex items-center justify-between gap-2 border-b border-line px-4 py-3">
          <h2 id={`${id}-title`} className="min-w-0 truncate text-base font-semibold text-fg">
            {title}
          </h2>
          <button type="button" onClick={onClose} className="shrink-0 rounded-md px-2 py-1 text-sm text-fg-2 hover:bg-hover">
            Close
          </button>
        </div>
        <div className="min-h-0 overflow-y-auto">{children}</div>
      </div>
    </div>
  );
}
