import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { QuickSwitcher } from '@/features/rooms/components/quick-switcher';

import type { Shortcuts } from './use-shortcuts';
import { useShortcuts } from './use-shortcuts';

function Harness(shortcuts: Shortcuts) {
  useShortcuts(shortcuts);
  return (
    <div>
      <textarea aria-label="Message" />
      <input type="checkbox" aria-label="Only here" />
      <button type="button">Somewhere</button>
    </div>
  );
}

describe('useShortcuts: / opens the search', () => {
  it('outside a text field only: in the composer a / is just a slash', async () => {
    const onSearch = vi.fn();
    render(<Harness onSwitcher={vi.fn()} onStep={vi.fn()} onEscape={vi.fn()} onSearch={onSearch} />);
    await userEvent.click(screen.getByRole('button', { name: 'Somewhere' }));
    await userEvent.keyboard('/');
    expect(onSearch).toHaveBeenCalledOnce();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Only here' }));
    await userEvent.keyboard('/');
    expect(onSearch).toHaveBeenCalledTimes(2);

    const box = screen.getByRole('textbox', { name: 'Message' });
    await userEvent.type(box, '/poll');
    expect(box).toHaveValue('/poll');
    expect(onSearch).toHaveBeenCalledTimes(2);
  });
});

describe('QuickSwitcher: searching messages', () => {
  it('offers "Search messages for …" with what was typed, last, by Enter or click', async () => {
    const onSearch = vi.fn();
    const onPick = vi.fn();
    render(<QuickSwitcher me="me" entries={[]} people={[]} onPick={onPick} onClose={vi.fn()} onSearch={onSearch} />);
    await userEvent.type(screen.getByRole('combobox', { name: 'Go to a room or person' }), 'deploy');
    const options = screen.getAllByRole('option');
    expect(options.at(-1)).toHaveTextContent('Search messages for “deploy”');
    await userEvent.keyboard('{ArrowUp}{Enter}');
    expect(onSearch).toHaveBeenCalledExactlyOnceWith('deploy');
    expect(onPick).not.toHaveBeenCalled();
  });
});
