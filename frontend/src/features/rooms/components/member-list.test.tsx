import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { ApiError } from '@/lib/api';
import type { Member } from '@/lib/protocol';

import type { MemberListProps } from './member-list';
import { MemberList } from './member-list';

const MEMBERS: Member[] = [
  { username: 'olga', role: 'owner', online: true },
  { username: 'adam', role: 'admin', online: false },
  { username: 'me', role: 'member', online: true },
  { username: 'mia', role: 'member', online: false },
];

function setup(overrides: Partial<MemberListProps> = {}) {
  const handlers = {
    onInvite: vi.fn(() => Promise.resolve()),
    onRemove: vi.fn(() => Promise.resolve()),
    onSetRole: vi.fn(() => Promise.resolve()),
    onLeave: vi.fn(() => Promise.resolve()),
  };
  render(<MemberList me="me" room="team" visibility="public" myRole="member" members={MEMBERS} online={null} loadError={null} {...handlers} {...overrides} />);
  return handlers;
}

const row = (name: string) => within(screen.getByRole('list', { name: 'Members of team' })).getByText(new RegExp(`^${name}`)).closest('li')!;

describe('MemberList', () => {
  it('lists members with their roles and who is online; a plain member gets no moderation', () => {
    setup();
    expect(within(row('olga')).getByTestId('member-role')).toHaveTextContent('Owner');
    expect(within(row('adam')).getByTestId('member-role')).toHaveTextContent('Admin');
    expect(row('adam')).toHaveTextContent('adam, offline');
    expect(row('me')).toHaveTextContent('me (you), online');
    expect(screen.queryByRole('button', { name: /^(Remove|Ban) / })).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(screen.queryByLabelText('Invite someone')).toBeNull();
  });

  it('uses live presence for online when given', () => {
    setup({ online: new Set(['adam']) });
    expect(row('adam')).toHaveTextContent('adam, online');
    expect(row('olga')).toHaveTextContent('olga, offline');
  });

  it('lets an admin remove or ban plain members only, and shows a refusal', async () => {
    const handlers = setup({ me: 'adam', myRole: 'member' }); // their row in the list says admin
    expect(within(row('olga')).queryByRole('button')).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull(); // only the owner changes roles
    await userEvent.click(screen.getByRole('button', { name: 'Remove mia' }));
    expect(handlers.onRemove).toHaveBeenCalledWith('mia', false);
    handlers.onRemove.mockRejectedValueOnce(new ApiError(403, 'forbidden', 'Only owners and admins can do that.'));
    await userEvent.click(screen.getByRole('button', { name: 'Ban me' }));
    expect(handlers.onRemove).toHaveBeenLastCalledWith('me', true);
    expect(await screen.findByRole('alert')).toHaveTextContent('Only owners and admins can do that.');
  });

  it('lets the owner change roles', async () => {
    const handlers = setup({ me: 'olga', myRole: 'owner' });
    const role = screen.getByRole('combobox', { name: 'Role of mia' });
    await userEvent.selectOptions(role, 'admin');
    expect(handlers.onSetRole).toHaveBeenCalledWith('mia', 'admin');
    expect(screen.getByRole('button', { name: 'Ban adam' })).toBeInTheDocument();
  });

  it('offers owners and admins of a private room an invite box that checks the name and shows the answer', async () => {
    const handlers = setup({ me: 'olga', myRole: 'owner', visibility: 'private' });
    const box = screen.getByLabelText('Invite someone');
    await userEvent.type(box, 'no way{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent('User names use only letters');
    expect(handlers.onInvite).not.toHaveBeenCalled();
    await userEvent.clear(box);
    handlers.onInvite.mockRejectedValueOnce(new ApiError(404, 'not_found', 'There is no user named ghost.'));
    await userEvent.type(box, 'ghost{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no user named ghost.');
    await userEvent.clear(box);
    await userEvent.type(box, 'zed{Enter}');
    expect(handlers.onInvite).toHaveBeenLastCalledWith('zed');
    expect(await screen.findByRole('status')).toHaveTextContent('zed can now join.');
    expect(box).toHaveValue('');
  });

  it('leaves for good only after a confirmation', async () => {
    const handlers = setup();
    await userEvent.click(screen.getByRole('button', { name: 'Leave room' }));
    expect(screen.getByText('Leave #team for good?')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(handlers.onLeave).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Leave room' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, leave' }));
    await waitFor(() => {
      expect(handlers.onLeave).toHaveBeenCalledOnce();
    });
  });

  it('says when the list is loading or could not be loaded', () => {
    setup({ members: null, loadError: 'Not found' });
    expect(screen.getByRole('alert')).toHaveTextContent('Could not load the members: Not found');
  });
});
