import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { UserMatch } from '@/lib/protocol';

import type { SidebarEntry } from './room-sidebar';
import { RoomSidebar } from './room-sidebar';

const entries: SidebarEntry[] = [
  { key: 'room:general', kind: 'room', name: 'general', unread: 0 },
  { key: 'room:random', kind: 'room', name: 'random', unread: 3, mentions: 1 },
  { key: 'room:busy', kind: 'room', name: 'busy', unread: 250 },
  { key: 'room:secret', kind: 'room', name: 'secret', unread: 0, visibility: 'private' },
  { key: 'dm:zoe', kind: 'dm', name: 'zoe', unread: 1 },
];

const PEOPLE: UserMatch[] = [
  { username: 'Carol.B', online: true },
  { username: 'carl', online: false },
  { username: 'me', online: true },
];

function setup(active: SidebarEntry['key'] = 'room:general') {
  const searchUsers = vi.fn((q: string) => Promise.resolve(PEOPLE.filter((p) => p.username.toLowerCase().includes(q.toLowerCase()))));
  const handlers = { onSelect: vi.fn(), onJoinRoom: vi.fn(), onOpenPrivate: vi.fn(), onClose: vi.fn(), searchUsers };
  render(<RoomSidebar me="me" entries={entries} active={active} browseHref="#/rooms" {...handlers} />);
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
    expect(within(rooms).getByLabelText('1 mention')).toHaveTextContent('@1');
    expect(within(rooms).getByRole('button', { name: /^secret, private/ })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Browse and create rooms' })).toHaveAttribute('href', '#/rooms');
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

  it('opens a private conversation with someone who exists, by their registered name, not with yourself', async () => {
    const { onOpenPrivate, searchUsers } = setup();
    const input = screen.getByLabelText('Message a user');
    await userEvent.type(input, 'me{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent('That is you');

    // Nobody by that name: refused, nothing opened.
    await userEvent.clear(input);
    await userEvent.type(input, 'nobody{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no user named nobody.');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(onOpenPrivate).not.toHaveBeenCalled();

    // Typed in another case: the registered form is used.
    await userEvent.clear(input);
    await userEvent.type(input, 'CAROL.b{Enter}');
    await waitFor(() => {
      expect(onOpenPrivate).toHaveBeenCalledExactlyOnceWith('Carol.B');
    });
    expect(searchUsers).toHaveBeenCalledWith('CAROL.b');
    expect(input).toHaveValue('');
  });

  it('suggests people as you type, without you, and picks one with the arrow keys', async () => {
    const { onOpenPrivate } = setup();
    const input = screen.getByRole('combobox', { name: 'Message a user' });
    await userEvent.type(input, 'ca');
    const list = await screen.findByRole('listbox', { name: 'People' });
    await waitFor(() => {
      expect(within(list).getAllByRole('option').map((o) => o.textContent)).toEqual(['Carol.Bonline', 'carloffline']);
    });
    await userEvent.type(input, 'r');
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(within(list).getByRole('option', { selected: true })).toHaveTextContent('carl');
    expect(input).toHaveAttribute('aria-activedescendant', within(list).getByRole('option', { selected: true }).id);
    await userEvent.keyboard('{Enter}');
    expect(onOpenPrivate).toHaveBeenCalledExactlyOnceWith('carl');
  });

  it('leaves a room (for good: the caller asks the server)', async () => {
    const { onClose } = setup();
    await userEvent.click(screen.getByRole('button', { name: 'Leave random' }));
    expect(onClose).toHaveBeenCalledWith('room:random');
  });
});
