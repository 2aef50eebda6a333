import { act, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { ApiClient } from '@/lib/api';
import { ApiError } from '@/lib/api';
import type { FunctionInfo } from '@/lib/protocol';

import { FunctionsTable } from './functions-table';
import { OpsPage } from './ops-page';

const chat: FunctionInfo = { name: 'chat', trigger: 'on_message', topic: 'chat.message', group: 'fn.chat', state: 'running', replicas: 3, lag: 0, dlq: 0 };
const bot: FunctionInfo = { name: 'bot', trigger: 'on_message', topic: 'chat.message', group: 'fn.bot', replicas: 1, lag: 42, dlq: 2 };

afterEach(() => {
  vi.useRealTimers();
});

describe('FunctionsTable', () => {
  it('shows one row per function with its trigger, group, replicas, lag, DLQ and next run', () => {
    const tick = { ...chat, name: 'tick', trigger: 'every(5s)', schedule: 'every 5s', next_run: '2030-01-01T09:00:05.000Z' };
    render(<FunctionsTable functions={[chat, { ...bot, dlq: undefined }, tick]} />);
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    const cells = within(rows[0]!).getAllByRole('cell').map((cell) => cell.textContent);
    expect(within(rows[0]!).getByRole('rowheader')).toHaveTextContent('chat');
    expect(cells).toEqual(['running', 'on_message', 'chat.message', 'fn.chat', '3', '0', '0', '—']);
    expect(within(rows[1]!).getAllByRole('cell').map((cell) => cell.textContent)).toEqual(['—', 'on_message', 'chat.message', 'fn.bot', '1', '42', '—', '—']);
    const next = within(rows[2]!).getByTitle('every 5s');
    expect(next).toHaveAttribute('datetime', '2030-01-01T09:00:05.000Z');
  });

  it('badges a sleeping function asleep, with what wakes it, apart from a stopped one', () => {
    const poll: FunctionInfo = { name: 'poll', trigger: 'on_action(poll)', topic: 'chat.action.poll', group: 'fn.poll', state: 'asleep', replicas: 0, lag: 0, dlq: 0 };
    render(<FunctionsTable functions={[chat, poll, { ...bot, state: 'stopped', replicas: 0 }]} />);
    const asleep = screen.getByText('asleep');
    expect(asleep).toHaveAttribute('title', 'No replica while idle: the next event it wants wakes it.');
    const rows = screen.getAllByRole('row').slice(1);
    expect(within(rows[1]!).getByRole('rowheader')).toHaveTextContent('poll');
    expect(within(rows[1]!).getAllByRole('cell')[0]).toHaveTextContent('asleep');
    expect(within(rows[1]!).getAllByRole('cell')[4]).toHaveTextContent('0');
    expect(within(rows[2]!).getAllByRole('cell')[0]).toHaveTextContent('stopped');
    expect(screen.getByRole('columnheader', { name: 'State' })).toBeInTheDocument();
  });

  it('says unknown for a share group whose members the gateway cannot ask', () => {
    render(<FunctionsTable functions={[{ ...chat, name: 'index', state: 'unknown', replicas: -1, lag: -1 }]} />);
    expect(screen.getByText('unknown')).toHaveAttribute('title', 'A share group: its members cannot be asked from here.');
  });

  it('shows the filter, batch and age limit of a function under its trigger', () => {
    const options = { retries: '3', timeout: '30', concurrency: '16', start: 'latest', batch: '100', window: '0.5', max_age: '60' };
    render(<FunctionsTable functions={[{ ...bot, options, match: { text: { prefix: '/' } } }]} />);
    const trigger = within(screen.getAllByRole('row')[1]!).getAllByRole('cell')[1]!; // after State
    expect(within(trigger).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'match {"text":{"prefix":"/"}}',
      'batch 100 / 0.5 s',
      'max_age 60 s',
    ]);
  });

  it('says so when nothing runs', () => {
    render(<FunctionsTable functions={[]} />);
    expect(screen.getByText('No functions are running.')).toBeInTheDocument();
  });
});

describe('OpsPage', () => {
  it('refreshes GET /api/functions every 2 s and keeps the last table on an error', async () => {
    vi.useFakeTimers();
    const get = vi
      .fn()
      .mockResolvedValueOnce({ functions: [chat] })
      .mockResolvedValueOnce({ functions: [chat, bot] })
      .mockRejectedValueOnce(new ApiError(503, 'unavailable', 'Kafka is down'));
    const api: ApiClient = { get, post: vi.fn(), put: vi.fn(), delete: vi.fn() };
    render(<OpsPage api={api} />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(get).toHaveBeenCalledWith('/api/functions');
    expect(screen.getAllByRole('row')).toHaveLength(2);

    await act(async () => {
      await vi.advanceTimersByTimeAsync(1_999);
    });
    expect(get).toHaveBeenCalledTimes(1);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1);
    });
    expect(get).toHaveBeenCalledTimes(2);
    expect(screen.getAllByRole('row')).toHaveLength(3);

    await act(async () => {
      await vi.advanceTimersByTimeAsync(2_000);
    });
    expect(screen.getByRole('alert')).toHaveTextContent('Kafka is down');
    expect(screen.getAllByRole('row')).toHaveLength(3);
  });

  it('tells a non-admin the page is for server admins, and stops asking', async () => {
    vi.useFakeTimers();
    const get = vi.fn().mockRejectedValue(new ApiError(403, 'forbidden', 'Server admins only.'));
    render(<OpsPage api={{ get, post: vi.fn(), put: vi.fn(), delete: vi.fn() }} />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByRole('alert')).toHaveTextContent('The Ops page is for server admins only');
    expect(screen.queryByRole('table')).toBeNull();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });
    expect(get).toHaveBeenCalledOnce();
  });
});
