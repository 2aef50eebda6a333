import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { ApiError } from '@/lib/api';
import type { NewRoom, RoomListing, RoomPage } from '@/lib/protocol';

import { RoomBrowser } from './room-browser';

const room = (name: string, extra: Partial<RoomListing> = {}): RoomListing => ({ name, topic: '', visibility: 'public', members: 1, online: 0, joined: false, ...extra });

function setup(pages: Record<string, RoomPage>, joined: string[] = []) {
  const search = vi.fn((q: string, cursor?: string) => Promise.resolve(pages[`${q}|${cursor ?? ''}`] ?? { rooms: [] }));
  const onOpen = vi.fn();
  const onCreate = vi.fn<(room: NewRoom) => Promise<void>>(() => Promise.resolve());
  render(<RoomBrowser search={search} joined={new Set(joined)} onOpen={onOpen} onCreate={onCreate} />);
  return { search, onOpen, onCreate };
}

const found = () => screen.getByRole('list', { name: 'Rooms found' });

describe('RoomBrowser', () => {
  it('lists rooms with topic, counts, privacy and whether you joined, a page at a time', async () => {
    const { search } = setup({
      '|': { rooms: [room('general', { topic: 'Everything', members: 12, online: 3, joined: true }), room('ours', { visibility: 'private', members: 2 })], next: 'c2' },
      '|c2': { rooms: [room('zeta', { members: 1 })] },
    });
    await waitFor(() => {
      expect(within(found()).getAllByRole('listitem')).toHaveLength(2);
    });
    const general = within(found()).getByRole('listitem', { name: '#general' });
    expect(general).toHaveTextContent('Everything');
    expect(general).toHaveTextContent('12 members · 3 online');
    expect(within(general).getByRole('button', { name: 'Open general' })).toBeInTheDocument();
    const ours = within(found()).getByRole('listitem', { name: '#ours' });
    expect(ours).toHaveTextContent('Private');
    expect(within(ours).getByRole('button', { name: 'Join ours' })).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Load more rooms' }));
    await waitFor(() => {
      expect(within(found()).getAllByRole('listitem')).toHaveLength(3);
    });
    expect(within(found()).getByRole('listitem', { name: '#zeta' })).toHaveTextContent('1 member · 0 online');
    expect(search).toHaveBeenLastCalledWith('', 'c2');
    expect(screen.queryByRole('button', { name: 'Load more rooms' })).toBeNull();
  });

  it('searches as you type and opens a room joined on this device', async () => {
    const { search, onOpen } = setup({ '|': { rooms: [room('general')] }, 'de|': { rooms: [room('design')] }, 'dev|': { rooms: [room('devops')] } }, ['devops']);
    await userEvent.type(screen.getByLabelText('Search rooms'), 'dev');
    await waitFor(() => {
      expect(within(found()).getAllByRole('listitem').map((li) => li.textContent)).toEqual([expect.stringContaining('#devops')]);
    });
    expect(search).toHaveBeenCalledWith('dev', undefined);
    // Joined on this device: "Open".
    await userEvent.click(screen.getByRole('button', { name: 'Open devops' }));
    expect(onOpen).toHaveBeenCalledWith('devops');
    await userEvent.clear(screen.getByLabelText('Search rooms'));
    await userEvent.type(screen.getByLabelText('Search rooms'), 'nothing');
    expect(await within(found()).findByText('No room matches “nothing”.')).toBeInTheDocument();
  });

  it('creates a public or private room and explains a name that is taken', async () => {
    const { onCreate } = setup({});
    const form = screen.getByRole('form', { name: 'Create a room' });
    await userEvent.type(within(form).getByLabelText('Name'), 'Bad Name');
    await userEvent.click(within(form).getByRole('button', { name: 'Create room' }));
    expect(within(form).getByRole('alert')).toHaveTextContent('lowercase letters');
    expect(onCreate).not.toHaveBeenCalled();

    await userEvent.clear(within(form).getByLabelText('Name'));
    await userEvent.type(within(form).getByLabelText('Name'), 'plans');
    await userEvent.type(within(form).getByLabelText(/Topic/), 'Secret plans');
    await userEvent.click(within(form).getByRole('radio', { name: /Private/ }));
    onCreate.mockRejectedValueOnce(new ApiError(409, 'exists', 'exists'));
    await userEvent.click(within(form).getByRole('button', { name: 'Create room' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('A room named plans exists already');
    expect(onCreate).toHaveBeenLastCalledWith({ name: 'plans', topic: 'Secret plans', visibility: 'private' });

    onCreate.mockRejectedValueOnce(new ApiError(422, 'room_limit', 'You have created too many rooms.'));
    await userEvent.click(within(form).getByRole('button', { name: 'Create room' }));
    await waitFor(() => {
      expect(within(form).getByRole('alert')).toHaveTextContent('You have created too many rooms.');
    });

    await userEvent.click(within(form).getByRole('button', { name: 'Create room' }));
    await waitFor(() => {
      expect(within(form).getByLabelText('Name')).toHaveValue('');
    });
    expect(within(form).queryByRole('alert')).toBeNull();
  });

  it('says when the search failed', async () => {
    const search = vi.fn(() => Promise.reject(new ApiError(0, 'network', 'Could not reach the server.')));
    render(<RoomBrowser search={search} joined={new Set()} onOpen={vi.fn()} onCreate={vi.fn()} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not search: Could not reach the server.');
  });
});
