import { setChoice, useTheme } from '@/lib/theme';

import { MoonIcon, SunIcon } from './icons';

/** Switches between light and dark (the first pick overrides the system setting, and is kept). */
export function ThemeToggle({ className = '' }: { className?: string }) {
  const theme = useTheme();
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      onClick={() => setChoice(next)}
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      className={`flex h-8 w-8 items-center justify-center rounded-md text-fg-2 hover:bg-hover ${className}`}
    >
      {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
    </button>
  );
}
