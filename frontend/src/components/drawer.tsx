import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';

interface DrawerProps {
  side: 'left' | 'right';
  open: boolean;
  onClose: () => void;
  /** Width of the column from 768 px up (a Tailwind width class for `md:`), e.g. `md:w-56`. */
  width: string;
  /** Names the drawer while it covers the page. */
  label: string;
  children: ReactNode;
}

/**
 * A side column that becomes a drawer below 768 px: there it is hidden until `open`, then
 * slides over the chat with a backdrop (a click on it closes the drawer; Esc is handled by the
 * page's shortcuts). From 768 px up it is an ordinary column and `open` does nothing.
 */
export function Drawer({ side, open, onClose, width, label, children }: DrawerProps) {
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // Into the drawer: its first control, so a keyboard user lands where they can act.
    panel.current?.querySelector<HTMLElement>('button, input, a[href]')?.focus();
    return () => previous?.focus();
  }, [open]);

  const edge = side === 'left' ? 'left-0' : 'right-0';
  return (
    <>
      {open && <div aria-hidden="true" data-testid="drawer-backdrop" onClick={onClose} className="fixed inset-0 z-30 bg-slate-950/50 md:hidden" />}
      <div
        ref={panel}
        data-drawer={side}
        data-open={open ? 'true' : 'false'}
        aria-label={open ? label : undefined}
        role={open ? 'dialog' : undefined}
        className={`${open ? 'fixed inset-y-0 z-40 flex w-72 max-w-[85vw] shadow-2xl' : 'hidden'} ${edge} shrink-0 md:static md:z-auto md:flex md:max-w-none md:shadow-none ${width}`}
      >
        {children}
      </div>
    </>
  );
}
