import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { ChatMessage, OutgoingMessage } from '@/lib/chat-store';

import { MessageList } from './message-list';

function msg(id: string, text: string, author = 'bob', ts = '2030-03-04T10:00:00Z', bot = false): ChatMessage {
  return { id, author, text, ts, bot };
}

function renderList(messages: ChatMessage[], outgoing: OutgoingMessage[] = [], extra: Partial<Parameters<typeof MessageList>[0]> = {}) {
  const props = {
    me: 'me',
    messages,
    outgoing,
    hasMore: false,
    loading: false,
    onLoadOlder: vi.fn(),
    onRetry: vi.fn(),
    ...extra,
  };
  return { ...render(<MessageList {...props} />), props };
}

describe('MessageList', () => {
  it('renders markup in a message as literal text', () => {
    const payload = '<img src=x onerror=alert(1)>';
    const { container } = renderList([msg('1', payload), msg('2', '<script>alert(2)</script><b>bold</b>')]);
    expect(screen.getByText(payload)).toBeInTheDocument();
    expect(screen.getByText('<script>alert(2)</script><b>bold</b>')).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
  });

  it('shows author and time, and separates days', () => {
    renderList([
      msg('1', 'first', 'ann', '2030-03-04T09:00:00Z'),
      msg('2', 'second', 'bob', '2030-03-04T09:01:00Z'),
      msg('3', 'next day', 'ann', '2030-03-05T08:00:00Z'),
    ]);
    const separators = screen.getAllByRole('separator');
    expect(separators).toHaveLength(2);
    expect(separators[0]).toHaveTextContent('2030');
    const items = screen.getAllByTestId('message');
    expect(within(items[0]!).getByText('ann')).toBeInTheDocument();
    expect(items[0]!.querySelector('time')).toHaveAttribute('dateTime', '2030-03-04T09:00:00Z');
    expect(within(items[1]!).getByText('bob')).toBeInTheDocument();
  });

  it('groups consecutive messages by one author under one header', () => {
    renderList([
      msg('1', 'one', 'ann', '2030-03-04T09:00:00Z'),
      msg('2', 'two', 'ann', '2030-03-04T09:01:00Z'),
    ]);
    expect(screen.getAllByText('ann')).toHaveLength(1);
    expect(screen.getByText('two')).toBeInTheDocument();
  });

  it('makes bot messages look different', () => {
    renderList([msg('1', 'beep', 'helper-bot', '2030-03-04T09:00:00Z', true), msg('2', 'hi', 'ann')]);
    const [bot, human] = screen.getAllByTestId('message');
    expect(bot).toHaveAttribute('data-bot', 'true');
    expect(within(bot!).getByText('bot')).toBeInTheDocument();
    expect(human).toHaveAttribute('data-bot', 'false');
    expect(within(human!).queryByText('bot')).toBeNull();
  });

  it('shows own messages as pending, sent, or failed with a retry button', async () => {
    const outgoing: OutgoingMessage[] = [
      { clientId: 'c1', text: 'waiting', ts: '2030-03-04T10:00:00Z', status: 'pending' },
      { clientId: 'c2', text: 'acked', ts: '2030-03-04T10:00:00Z', status: 'sent', id: 'S2' },
      { clientId: 'c3', text: 'refused', ts: '2030-03-04T10:00:00Z', status: 'failed', error: 'Slow down' },
      { clientId: 'c4', text: 'already shown', ts: '2030-03-04T10:00:00Z', status: 'sent', id: 'S4' },
    ];
    const { props } = renderList([msg('S4', 'already shown', 'me')], outgoing);
    const rows = screen.getAllByTestId('outgoing');
    expect(rows.map((row) => row.getAttribute('data-status'))).toEqual(['pending', 'sent', 'failed']);
    expect(within(rows[0]!).getByText('Sending…')).toBeInTheDocument();
    expect(within(rows[2]!).getByText('Slow down')).toBeInTheDocument();
    expect(within(rows[0]!).queryByRole('button', { name: 'Retry' })).toBeNull();
    await userEvent.click(within(rows[2]!).getByRole('button', { name: 'Retry' }));
    expect(props.onRetry).toHaveBeenCalledWith('c3');
    expect(screen.getAllByText('already shown')).toHaveLength(1);
  });

  it('loads older messages when scrolled to the top, and not while a load is running', () => {
    const { props, container, rerender } = renderList([msg('1', 'x')], [], { hasMore: true });
    const scroller = container.firstElementChild as HTMLElement;
    scroller.scrollTop = 0;
    scroller.dispatchEvent(new Event('scroll'));
    expect(props.onLoadOlder).toHaveBeenCalledTimes(1);

    rerender(<MessageList {...props} hasMore loading />);
    scroller.dispatchEvent(new Event('scroll'));
    expect(props.onLoadOlder).toHaveBeenCalledTimes(1);
    expect(screen.getByText('Loading older messages…')).toBeInTheDocument();

    rerender(<MessageList {...props} hasMore={false} loading={false} />);
    scroller.dispatchEvent(new Event('scroll'));
    expect(props.onLoadOlder).toHaveBeenCalledTimes(1);
    expect(screen.getByText('This is the beginning of the conversation.')).toBeInTheDocument();
  });
});
