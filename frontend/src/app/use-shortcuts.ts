import { useEffect, useRef } from 'react';

export interface Shortcuts {
  /** Ctrl+K (⌘K on a Mac): the quick switcher. */
  onSwitcher: () => void;
  /** Alt+Up / Alt+Down: the previous / next conversation. */
  onStep: (delta: -1 | 1) => void;
  /** Esc: close whatever panel, drawer or dialog is open. */
  onEscape: () => void;
  /** `/` outside a text field: search messages. */
  onSearch: () => void;
}

/** Whether keys typed at `target` are text (a `/` there is a slash, not a shortcut). */
export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (!(target instanceof HTMLInputElement)) return false;
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'file', 'range', 'color', 'image'].includes(target.type);
}

/** The app's keyboard shortcuts, on the whole window (they work from inside the composer too). */
export function useShortcuts(shortcuts: Shortcuts): void {
  const latest = useRef(shortcuts);
  useEffect(() => {
    latest.current = shortcuts;
  });
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.isComposing) return;
      const { onSwitcher, onStep, onEscape, onSearch } = latest.current;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        onSwitcher();
      } else if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
        event.preventDefault();
        onStep(event.key === 'ArrowUp' ? -1 : 1);
      } else if (event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !event.defaultPrevented && !isTextField(event.target)) {
        event.preventDefault();
        onSearch();
      } else if (event.key === 'Escape') {
        onEscape();
      }
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
