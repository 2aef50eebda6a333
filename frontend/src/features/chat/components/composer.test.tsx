import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { Composer } from './composer';

function setup() {
  const onSend = vi.fn();
  const onTyping = vi.fn();
  render(<Composer placeholder="Message #general" onSend={onSend} onTyping={onTyping} />);
  return { onSend, onTyping, box: screen.getByRole('textbox', { name: 'Message' }) };
}

describe('Composer', () => {
  it('sends on Enter and clears the box', async () => {
    const { onSend, box } = setup();
    await userEvent.type(box, 'hello there{Enter}');
    expect(onSend).toHaveBeenCalledExactlyOnceWith('hello there');
    expect(box).toHaveValue('');
  });

  it('adds a line on Shift+Enter without sending', async () => {
    const { onSend, box } = setup();
    await userEvent.type(box, 'line one{Shift>}{Enter}{/Shift}line two');
    expect(onSend).not.toHaveBeenCalled();
    expect(box).toHaveValue('line one\nline two');
    await userEvent.type(box, '{Enter}');
    expect(onSend).toHaveBeenCalledExactlyOnceWith('line one\nline two');
  });

  it('does not send blank text', async () => {
    const { onSend, box } = setup();
    await userEvent.type(box, '   {Enter}');
    expect(onSend).not.toHaveBeenCalled();
  });

  it('refuses text over 4000 characters with a message', async () => {
    const { onSend, box } = setup();
    await userEvent.click(box);
    await userEvent.paste('x'.repeat(4001));
    await userEvent.keyboard('{Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent('at most 4000 characters');
  });

  it('keeps the text and shows the problem when onSend refuses it', async () => {
    const onSend = vi.fn((text: string) => (text.startsWith('/poll') ? 'A poll needs options.' : null));
    render(<Composer placeholder="Message #general" onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    await userEvent.type(box, '/poll Lunch?{Enter}');
    expect(onSend).toHaveBeenCalledExactlyOnceWith('/poll Lunch?');
    expect(box).toHaveValue('/poll Lunch?');
    expect(screen.getByRole('alert')).toHaveTextContent('A poll needs options.');
    await userEvent.clear(box);
    await userEvent.type(box, 'fine{Enter}');
    expect(box).toHaveValue('');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows the hint for the text being written instead of the key hints', async () => {
    const hintFor = (text: string) => (text.startsWith('/poll') ? 'Poll: /poll Question? | option | option' : null);
    render(<Composer placeholder="Message #general" onSend={vi.fn()} hintFor={hintFor} />);
    expect(screen.queryByTestId('composer-hint')).toBeNull();
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), '/poll');
    expect(screen.getByTestId('composer-hint')).toHaveTextContent('Poll: /poll Question? | option | option');
    expect(screen.queryByText('to send,', { exact: false })).toBeNull();
  });

  it('reports typing while there is text', async () => {
    const { onTyping, box } = setup();
    await userEvent.type(box, 'ab');
    expect(onTyping).toHaveBeenCalledTimes(2);
  });
});

describe('Composer height', () => {
  it('grows with its text, wrapped lines included, up to a limit', async () => {
    // jsdom does no layout: the content height is what the text would need at ~40 characters a line.
    vi.spyOn(HTMLTextAreaElement.prototype, 'scrollHeight', 'get').mockImplementation(function (this: HTMLTextAreaElement) {
      return 24 * Math.max(1, Math.ceil(this.value.length / 40));
    });
    const { box } = setup();
    expect(box).toHaveStyle({ height: '24px' });
    await userEvent.click(box);
    await userEvent.paste('a long line without any newline in it that wraps to a third row');
    expect(box).toHaveStyle({ height: '48px' });
    await userEvent.paste(' and more'.repeat(40));
    expect(box).toHaveStyle({ height: '192px' });
  });
});
