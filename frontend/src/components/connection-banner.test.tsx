import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ConnectionBadge, ConnectionBanner } from './connection-banner';

afterEach(() => {
  vi.useRealTimers();
});

describe('ConnectionBanner', () => {
  it('is hidden while online and says so in the badge', () => {
    render(
      <>
        <ConnectionBanner status={{ kind: 'online' }} />
        <ConnectionBadge status={{ kind: 'online' }} />
      </>,
    );
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.getByText('Online')).toBeInTheDocument();
  });

  it('shows connecting and offline', () => {
    const { rerender } = render(<ConnectionBanner status={{ kind: 'connecting', attempt: 1 }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Connecting…');
    rerender(<ConnectionBanner status={{ kind: 'offline', reason: 'stopped' }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Offline');
  });

  it('counts down to the next reconnect and offers to skip the wait', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const onReconnectNow = vi.fn();
    render(<ConnectionBanner status={{ kind: 'reconnecting', attempt: 2, retryAt: Date.now() + 4_000 }} onReconnectNow={onReconnectNow} />);
    expect(screen.getByRole('status')).toHaveTextContent('Reconnecting in 4s');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2_000);
    });
    expect(screen.getByRole('status')).toHaveTextContent('Reconnecting in 2s');
    vi.useRealTimers();
    await userEvent.click(screen.getByRole('button', { name: 'Reconnect now' }));
    expect(onReconnectNow).toHaveBeenCalledOnce();
  });
});
