import { fireEvent, render, screen, within } from '@testing-library/react';
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

  it('renders a safe Markdown subset, emoji shortcodes, and links that open in a new tab', () => {
    const text = [
      '**bold** _italic_ ~~gone~~ `code` :tada:',
      '> quoted',
      '- one',
      '- two',
      '',
      '[docs](https://example.com/docs) and www.example.org',
      '',
      '```python',
      'def f(): return 1',
      '```',
    ].join('\n');
    const { container } = renderList([msg('1', text)]);
    const body = screen.getByTestId('message-text');
    expect(body.querySelector('strong')).toHaveTextContent('bold');
    expect(body.querySelector('em')).toHaveTextContent('italic');
    expect(body.querySelector('del')).toHaveTextContent('gone');
    expect(body.querySelector('p code')).toHaveTextContent('code');
    expect(body).toHaveTextContent('🎉');
    expect(body.querySelector('blockquote')).toHaveTextContent('quoted');
    expect(body.querySelectorAll('li')).toHaveLength(2);
    const links = within(body).getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/docs', 'http://www.example.org']);
    for (const link of links) {
      expect(link).toHaveAttribute('target', '_blank');
      expect(link).toHaveAttribute('rel', 'noopener noreferrer');
    }
    const block = body.querySelector('pre code');
    expect(block).toHaveClass('language-python');
    expect(block?.querySelector('.hljs-keyword')).toHaveTextContent('def');
    expect(container.querySelector('img, script, iframe')).toBeNull();
  });

  it('never turns a link into script, nor markup inside Markdown into elements', () => {
    const { container } = renderList([msg('1', '[click](javascript:alert(1)) **a <b>b</b>** ![x](https://evil.test/x.png)')]);
    const body = screen.getByTestId('message-text');
    expect(body.querySelector('a')?.getAttribute('href') ?? '').not.toMatch(/javascript/i);
    expect(body).toHaveTextContent('<b>b</b>');
    expect(body.querySelector('b')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
  });

  it('groups consecutive messages by one author under one header, each still with its time', () => {
    renderList([
      msg('1', 'one', 'ann', '2030-03-04T09:00:00Z'),
      msg('2', 'two', 'ann', '2030-03-04T09:01:00Z'),
    ]);
    const [, second] = screen.getAllByTestId('message');
    expect(second!.querySelector('time')).toHaveAttribute('dateTime', '2030-03-04T09:01:00Z');
  });

  it('offers a "new messages below" button when messages arrive while scrolled up', async () => {
    const first = [msg('1', 'one'), msg('2', 'two')];
    const { props, rerender } = renderList(first);
    const scroller = screen.getByTestId('message-scroller');
    Object.defineProperty(scroller, 'scrollHeight', { configurable: true, value: 2_000 });
    Object.defineProperty(scroller, 'clientHeight', { configurable: true, value: 500 });
    scroller.scrollTop = 1_500;
    fireEvent.scroll(scroller);
    rerender(<MessageList {...props} messages={[...first, msg('3', 'three')]} />);
    expect(screen.queryByRole('button', { name: /new message/ })).toBeNull(); // following the end

    scroller.scrollTop = 200; // the reader scrolls up
    fireEvent.scroll(scroller);
    rerender(<MessageList {...props} messages={[...first, msg('3', 'three'), msg('4', 'four'), msg('5', 'five')]} />);
    const marker = screen.getByRole('button', { name: '2 new messages below ↓' });
    expect(scroller.scrollTop).toBe(200); // not yanked down
    await userEvent.click(marker);
    expect(scroller.scrollTop).toBe(2_000);
    expect(screen.queryByRole('button', { name: /new message/ })).toBeNull();
  });

  it('announces a new message from someone else in a live region, not the history it starts with', () => {
    const { props, rerender } = renderList([msg('1', 'old news')]);
    const announcer = screen.getByTestId('announcer');
    expect(announcer).toHaveAttribute('aria-live', 'polite');
    expect(announcer).toHaveTextContent('');
    rerender(<MessageList {...props} messages={[msg('1', 'old news'), msg('2', 'fresh', 'ann')]} />);
    expect(announcer).toHaveTextContent('ann: fresh');
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
    const scroller = within(container).getByTestId('message-scroller');
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
