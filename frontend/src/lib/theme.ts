/**
 * Light or dark: follows the system setting (`prefers-color-scheme`) until you pick one with
 * the toggle; your pick is kept in localStorage. The theme is the `dark` class on <html>.
 */
import { useSyncExternalStore } from 'react';

export type ThemeChoice = 'light' | 'dark' | 'system';
export type Theme = 'light' | 'dark';

const KEY = 'parley.theme';
const listeners = new Set<() => void>();

function media(): MediaQueryList | null {
  return typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
}

export function loadChoice(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

export function currentTheme(): Theme {
  const choice = loadChoice();
  if (choice !== 'system') return choice;
  return media()?.matches ? 'dark' : 'light';
}

let following = false;

/**
 * Puts the theme on <html>; call once at startup (main.tsx), then it keeps itself up to date:
 * it follows the system setting from then on, whatever screen is shown (also before any
 * component that shows the theme is mounted, such as while the session is being restored).
 */
export function applyTheme(): void {
  document.documentElement.classList.toggle('dark', currentTheme() === 'dark');
  if (following) return;
  following = true;
  media()?.addEventListener('change', () => {
    applyTheme();
    for (const listener of [...listeners]) listener();
  });
}

/** Picks a theme for good (or 'system' to follow the system again). */
export function setChoice(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // storage disabled: the choice lasts until the page goes
  }
  applyTheme();
  for (const listener of [...listeners]) listener();
}

function subscribe(listener: () => void): () => void {
  applyTheme(); // follows the system from now on, if startup did not call it (tests)
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** The theme shown now, re-rendering when the system setting or the choice changes. */
export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, currentTheme);
}
