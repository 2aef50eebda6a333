import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { SidebarEntry } from './room-sidebar';
import { RoomSidebar } from './room-sidebar';

const entries: SidebarEntry[] = [
  { key: 'room:general', kind: 'room', name: 'general', unread: 0 },
  { key: 'room:random', kind: 'room', name: 'random', unread: 3 },
  { key: 'room:busy', kind: 'room', name: 'busy', unread: 250 },
  { key: 'dm:zoe', kind: 'dm', name: 'zoe', unread: 1 },
];

function setup(active: SidebarEntry['key'] = 'room:general') {
  const handlers = { onSelect: vi.fn(), onJoinRoom: vi.fn(), onOpenPrivate: vi.fn(), onClose: vi.fn() };
  render(<RoomSidebar me="me" entries={entries} active={active} {...handlers} />);
  return handlers;
}

describe('RoomSidebar', () => {
  it('lists rooms and direct conversations with their unread counts', () => {
    setup();
    const rooms = screen.getByRole('region', { name: 'Rooms' });
    const general = within(rooms).getByRole('button', { name: /^general/ });
    expect(general).toHaveAttribute('aria-current', 'page');
    expect(within(general).queryByLabelText(/unread/)).toBeNull();
    expect(within(rooms).getByLabelText('3 unread')).toHaveTextContent('3');
    expect(within(rooms).getByLabelText('250 unread')).toHaveTextContent('99+');
    const dms = screen.getByRole('region', { name: 'Direct messages' });
    expect(within(dms).getByLabelText('1 unread')).toBeInTheDocument();
  });

  it('hides the count on the open conversation and selects on click', async () => {
    const { onSelect } = setup('room:random');
    expect(screen.queryByLabelText('3 unread')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: /^zoe/ }));
    expect(onSelect).toHaveBeenCalledWith('dm:zoe');
  });

  it('validates a room name before joining', async () => {
    const { onJoinRoom } = setup();
    const input = screen.getByLabelText('Join or create a room');
    await userEvent.type(input, 'My Room{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent('lowercase letters, digits');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(onJoinRoom).not.toHaveBeenCalled();

    await userEvent.clear(input);
    await userEvent.type(input, 'my-room{Enter}');
    expect(onJoinRoom).toHaveBeenCalledWith('my-room');
    expect(input).toHaveValue('');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('opens a private conversation by user name, not with yourself', async () => {
    const { onOpenPrivate } = setup();
    const input = screen.getByLabelText('Message a user');
    await userEvent.type(input, 'me{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent('That is you');
    await userEvent.clear(input);
    await userEvent.type(input, 'Carol.B{Enter}');
    expect(onOpenPrivate).toHaveBeenCalledExactlyOnceWith('Carol.B');
  });

  it('leaves a room', async () => {
    const { onClose } = setup();
    await userEvent.click(screen.getByRole('button', { name: 'Leave random' }));
    expect(onClose).toHaveBeenCalledWith('room:random');
  });
});
