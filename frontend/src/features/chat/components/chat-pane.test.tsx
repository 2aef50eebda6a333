import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Conversation } from '@/lib/chat-store';

import { ChatPane } from './chat-pane';

function conversation(kind: 'room' | 'dm', name: string): Conversation {
  return { key: `${kind}:${name}`, kind, name, messages: [], outgoing: [], unread: 0, mentions: 0, role: null, topic: '', visibility: null, history: 'idle', hasMore: false, seen: null, divider: null, dividerPending: 0, threads: {}, mentionIds: [] };
}

const dm = conversation('dm', 'zoe');
const room = conversation('room', 'general');

afterEach(() => {
  localStorage.clear();
});

describe('ChatPane', () => {
  it('keeps a draft per conversation: it never follows you, and Enter never posts it elsewhere', async () => {
    const onSend = vi.fn();
    const pane = (open: Conversation) => <ChatPane me="me" conversation={open} onSend={onSend} onRetry={vi.fn()} onLoadOlder={vi.fn()} />;
    const { rerender, unmount } = render(pane(dm));
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'for zoe only');

    rerender(pane(room));
    const box = screen.getByRole('textbox', { name: 'Message' });
    expect(box).toHaveValue('');
    await userEvent.type(box, '{Enter}');
    expect(onSend).not.toHaveBeenCalled();

    rerender(pane(dm));
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('for zoe only');

    // A reload (a new page) finds it again.
    unmount();
    render(pane(dm));
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('for zoe only');
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), '{Enter}');
    expect(onSend).toHaveBeenCalledExactlyOnceWith('for zoe only');
    expect(localStorage.getItem('parley.drafts.me')).toBeNull(); // sent: nothing left to keep
  });
});
