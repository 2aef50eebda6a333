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

  it('replies with a bar Escape cancels, edits your last message on Up, asks before deleting, and opens a thread', async () => {
    const onSend = vi.fn(() => null);
    const live = { onEdit: vi.fn(), onDelete: vi.fn(), onReact: vi.fn(), onLoadThread: vi.fn(() => Promise.resolve()) };
    const messages = [
      { id: '1', author: 'ada', text: 'question', ts: '2030-01-01T10:00:00Z', bot: false, replies: 1 },
      { id: '2', author: 'me', text: 'mine', ts: '2030-01-01T10:01:00Z', bot: false },
      { id: '3', author: 'ada', text: 'answer', ts: '2030-01-01T10:02:00Z', bot: false, replyTo: '1' },
    ];
    render(<ChatPane me="me" conversation={{ ...room, messages }} onSend={onSend} onRetry={vi.fn()} onLoadOlder={vi.fn()} live={live} />);
    const box = screen.getByRole('textbox', { name: 'Message' });

    await userEvent.click(screen.getAllByRole('button', { name: "Actions for ada's message" })[0]!);
    await userEvent.click(screen.getByRole('menuitem', { name: 'Reply' }));
    expect(screen.getByTestId('reply-bar')).toHaveTextContent('Replying to ada: question');
    expect(box).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByTestId('reply-bar')).toBeNull();
    await userEvent.click(screen.getAllByRole('button', { name: "Actions for ada's message" })[0]!);
    await userEvent.click(screen.getByRole('menuitem', { name: 'Reply' }));
    await userEvent.type(box, 'yes{Enter}');
    expect(onSend).toHaveBeenLastCalledWith('yes', '1');

    await userEvent.type(box, '{ArrowUp}');
    expect(screen.getByRole('textbox', { name: 'Edit message' })).toHaveValue('mine');
    await userEvent.keyboard('{Escape}');

    await userEvent.click(screen.getByRole('button', { name: "Actions for me's message" }));
    await userEvent.click(screen.getByRole('menuitem', { name: 'Delete' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(live.onDelete).toHaveBeenCalledWith('2');

    await userEvent.click(screen.getByRole('button', { name: '1 reply' }));
    const thread = screen.getByRole('complementary', { name: 'Thread' });
    expect(live.onLoadThread).toHaveBeenCalledWith('1');
    expect(thread).toHaveTextContent('answer');
    await userEvent.type(screen.getByRole('textbox', { name: 'Reply in thread' }), 'more{Enter}');
    expect(onSend).toHaveBeenLastCalledWith('more', '1');
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('complementary', { name: 'Thread' })).toBeNull();
  });
});
