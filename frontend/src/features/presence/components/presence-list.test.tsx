import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { PresenceList } from './presence-list';
import { TypingIndicator } from './typing-indicator';

describe('PresenceList', () => {
  it('lists who is online, you first, and starts a private conversation on click', async () => {
    const onOpenPrivate = vi.fn();
    render(<PresenceList me="me" room="general" users={['zed', 'me', 'ann', 'ann']} onOpenPrivate={onOpenPrivate} />);
    expect(screen.getByText('Online — 3')).toBeInTheDocument();
    const items = screen.getAllByRole('listitem').map((item) => item.textContent);
    expect(items).toEqual(['me (you)', 'ann', 'zed']);
    expect(screen.queryByRole('button', { name: /me/ })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'zed' }));
    expect(onOpenPrivate).toHaveBeenCalledWith('zed');
  });
});

describe('TypingIndicator', () => {
  it('names who is typing', () => {
    const { rerender } = render(<TypingIndicator users={[]} />);
    expect(screen.queryByText(/typing/)).toBeNull();
    rerender(<TypingIndicator users={['alice']} />);
    expect(screen.getByText('alice is typing…')).toBeInTheDocument();
    rerender(<TypingIndicator users={['alice', 'bob']} />);
    expect(screen.getByText('alice and bob are typing…')).toBeInTheDocument();
    rerender(<TypingIndicator users={['a', 'b', 'c']} />);
    expect(screen.getByText('3 people are typing…')).toBeInTheDocument();
  });
});
