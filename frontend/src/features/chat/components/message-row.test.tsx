import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { ChatMessage } from '@/lib/chat-store';

import type { MessageActions } from './message-row';
import { MessageRow } from './message-row';

function actions(): MessageActions {
  return { onReply: vi.fn(), onEditing: vi.fn(), onEdit: vi.fn(), onDelete: vi.fn(), onReact: vi.fn(), onOpenThread: vi.fn(), onJumpTo: vi.fn() };
}

const base: ChatMessage = { id: '1', author: 'ada', text: 'hello @bob and @me', ts: '2030-01-01T10:00:00Z', bot: false, mentions: ['bob', 'me'] };

function row(message: ChatMessage, extra: Partial<Parameters<typeof MessageRow>[0]> = {}) {
  const handlers = actions();
  const view = render(
    <ol>
      <MessageRow message={message} continued={false} me="me" canModerate={false} editing={false} actions={handlers} {...extra} />
    </ol>,
  );
  return { handlers, ...view };
}

describe('MessageRow', () => {
  it('opens its menu from the keyboard, moves with arrows, and Escape gives the focus back', async () => {
    const { handlers } = row(base);
    const button = screen.getByRole('button', { name: "Actions for ada's message" });
    button.focus();
    await userEvent.keyboard('{Enter}');
    const items = screen.getAllByRole('menuitem');
    expect(items.map((item) => item.textContent)).toEqual(['Reply', 'React', 'Copy text']);
    expect(items[0]).toHaveFocus();
    await userEvent.keyboard('{ArrowUp}');
    expect(items[2]).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).toBeNull();
    expect(button).toHaveFocus();
    await userEvent.click(button);
    await userEvent.click(screen.getByRole('menuitem', { name: 'Reply' }));
    expect(handlers.onReply).toHaveBeenCalledWith(base);
  });

  it('offers Edit and Delete on your own messages, Delete on any to a room moderator', async () => {
    row({ ...base, author: 'me' });
    await userEvent.click(screen.getByRole('button', { name: "Actions for me's message" }));
    expect(screen.getAllByRole('menuitem').map((item) => item.textContent)).toEqual(['Reply', 'React', 'Edit', 'Delete', 'Copy text']);
  });

  it('a moderator may delete anyone’s message; right-click opens the menu', async () => {
    const { handlers, container } = row(base, { canModerate: true });
    const item = container.querySelector('li')!;
    await userEvent.pointer({ keys: '[MouseRight]', target: item });
    await userEvent.click(screen.getByRole('menuitem', { name: 'Delete' }));
    expect(handlers.onDelete).toHaveBeenCalledWith(base);
  });

  it('marks mentions, yours more strongly, and shows (edited) with its time', () => {
    const { container } = row({ ...base, editedAt: '2030-01-01T10:05:00Z' });
    expect([...container.querySelectorAll('.mention')].map((m) => m.textContent)).toEqual(['@bob', '@me']);
    expect(container.querySelector('.mention-me')?.textContent).toBe('@me');
    expect(screen.getByTestId('edited')).toHaveAttribute('title', 'Edited 2030-01-01T10:05:00Z');
  });

  it('a deleted message is a tombstone, without reactions or menu', () => {
    row({ ...base, deleted: true, text: '', reactions: {} });
    expect(screen.getByTestId('message-text')).toHaveTextContent('This message was deleted');
    expect(screen.queryByRole('button', { name: /Actions for/ })).toBeNull();
  });

  it('reaction chips count, say who reacted, press yours, and toggle on click; the picker searches', async () => {
    const { handlers } = row({ ...base, reactions: { '👍': ['bob', 'me'], '🎉': ['bob'] } });
    const thumbs = screen.getByRole('button', { name: '👍 2, reacted by bob, you' });
    expect(thumbs).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByRole('button', { name: '🎉 1, reacted by bob' })).toHaveAttribute('aria-pressed', 'false');
    await userEvent.click(thumbs);
    expect(handlers.onReact).toHaveBeenCalledWith('1', '👍');
    await userEvent.click(screen.getByRole('button', { name: 'Add reaction' }));
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search emoji' }), 'rocket{Enter}');
    expect(handlers.onReact).toHaveBeenLastCalledWith('1', '🚀');
    expect(screen.queryByRole('dialog', { name: 'Pick a reaction' })).toBeNull();
  });

  it('edits in place: Enter saves, Escape cancels', async () => {
    const { handlers } = row({ ...base, author: 'me' }, { editing: true });
    const box = screen.getByRole('textbox', { name: 'Edit message' });
    await userEvent.clear(box);
    await userEvent.type(box, 'better{Enter}');
    expect(handlers.onEdit).toHaveBeenCalledWith('1', 'better');
    await userEvent.type(box, '{Escape}');
    expect(handlers.onEditing).toHaveBeenLastCalledWith(null);
  });

  it('a reply quotes its parent and a parent links to its thread', async () => {
    const parent: ChatMessage = { ...base, id: '0', author: 'bob', text: 'the question' };
    const { handlers } = row({ ...base, replyTo: '0', replies: 2 }, { parent });
    await userEvent.click(screen.getByTestId('reply-quote'));
    expect(handlers.onJumpTo).toHaveBeenCalledWith('0');
    expect(screen.getByTestId('reply-quote')).toHaveTextContent('bob: the question');
    await userEvent.click(screen.getByRole('button', { name: '2 replies' }));
    expect(handlers.onOpenThread).toHaveBeenCalledWith('1');
  });
});
