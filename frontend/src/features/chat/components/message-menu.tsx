import { useEffect, useRef } from 'react';
import type { KeyboardEvent } from 'react';

export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
}

interface MessageMenuProps {
  /** The button's accessible name ("Actions for ada's message"). */
  label: string;
  items: MenuItem[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

/**
 * The "⋯" button of a message and its menu: Enter, Space or a click opens it with the first
 * item focused; Up/Down/Home/End move, Enter picks, Escape or Tab closes it (focus goes back to
 * the button), and so does a click elsewhere. The row opens it on right-click too.
 */
export function MessageMenu({ label, items, open, onOpenChange }: MessageMenuProps) {
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    function onPointer(event: PointerEvent) {
      const target = event.target as Node | null;
      if (target && !menu.current?.contains(target) && !button.current?.contains(target)) onOpenChange(false);
    }
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open, onOpenChange]);

  function close(refocus: boolean) {
    onOpenChange(false);
    if (refocus) button.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLUListElement>) {
    const entries = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = entries.findIndex((entry) => entry === document.activeElement);
    const move = (index: number) => entries[(index + entries.length) % entries.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        move(at + 1);
        break;
      case 'ArrowUp':
        event.preventDefault();
        move(at - 1);
        break;
      case 'Home':
        event.preventDefault();
        move(0);
        break;
      case 'End':
        event.preventDefault();
        move(entries.length - 1);
        break;
      case 'Escape':
        event.preventDefault();
        event.stopPropagation();
        close(true);
        break;
      case 'Tab':
        close(false);
        break;
    }
  }

  return (
    <div className="relative">
      <button
        ref={button}
        type="button"
        aria-label={label}
        title="More actions"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => onOpenChange(!open)}
        className="flex h-7 w-7 items-center justify-center rounded-md border border-line bg-surface text-base leading-none text-fg-2 shadow-sm hover:bg-hover"
      >
        ⋯
      </button>
      {open && (
        <ul
          ref={menu}
          role="menu"
          aria-label="Message actions"
          onKeyDown={onKeyDown}
          className="absolute top-8 right-0 z-30 min-w-36 rounded-lg border border-line bg-surface py-1 text-sm shadow-xl"
        >
          {items.map((item) => (
            <li key={item.label} role="none">
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                onClick={() => {
                  close(false);
                  item.onSelect();
                }}
                className={`block w-full px-3 py-1.5 text-left hover:bg-hover focus:bg-hover focus:outline-none ${item.danger === true ? 'text-danger' : 'text-fg'}`}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
