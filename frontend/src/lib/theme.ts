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

/** Puts the theme on <html>; call once at startup (main.tsx), then it keeps itself up to date. */
export function applyTheme(): void {
  document.documentElement.classList.toggle('dark', currentTheme() === 'dark');
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
  listeners.add(listener);
  const query = media();
  const onChange = () => {
    applyTheme();
    listener();
  };
  query?.addEventListener('change', onChange);
  return () => {
    listeners.delete(listener);
    query?.removeEventListener('change', onChange);
  };
}

/** The theme shown now, re-rendering when the system setting or the choice changes. */
export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, currentTheme);
}
