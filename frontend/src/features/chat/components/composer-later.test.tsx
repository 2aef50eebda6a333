import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { Composer } from './composer';

const AT = new Date('2030-01-01T09:00:00Z');

function setup(refusal: string | null = null) {
  const onSend = vi.fn();
  const onSchedule = vi.fn<(text: string, at: Date) => string | null>(() => refusal);
  render(
    <Composer
      placeholder="Message #general"
      onSend={onSend}
      sendLater={{
        onSchedule,
        picker: (pick) => (
          <button type="button" onClick={() => pick(AT)}>
            Tomorrow 09:00
          </button>
        ),
      }}
    />,
  );
  return { onSend, onSchedule, box: screen.getByRole('textbox', { name: 'Message' }) };
}

describe('Composer: Send later', () => {
  it('schedules the text for the picked time and empties the box', async () => {
    const { onSend, onSchedule, box } = setup();
    expect(screen.getByRole('button', { name: 'Send later' })).toBeDisabled();
    await userEvent.type(box, '  see you tomorrow ');
    await userEvent.click(screen.getByRole('button', { name: 'Send later' }));
    await userEvent.click(screen.getByRole('button', { name: 'Tomorrow 09:00' }));
    expect(onSchedule).toHaveBeenCalledExactlyOnceWith('see you tomorrow', AT);
    expect(onSend).not.toHaveBeenCalled();
    expect(box).toHaveValue('');
    expect(screen.queryByRole('button', { name: 'Tomorrow 09:00' })).toBeNull();
  });

  it('keeps the text when scheduling is refused', async () => {
    const { box } = setup('no such room');
    await userEvent.type(box, 'hello');
    await userEvent.click(screen.getByRole('button', { name: 'Send later' }));
    await userEvent.click(screen.getByRole('button', { name: 'Tomorrow 09:00' }));
    expect(box).toHaveValue('hello');
  });

  it('has no Send later button without sendLater', () => {
    render(<Composer placeholder="Message ada" onSend={vi.fn()} />);
    expect(screen.queryByRole('button', { name: 'Send later' })).toBeNull();
  });
});
