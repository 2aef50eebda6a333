import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { Poll } from '../poll-frame';

import { PollCard } from './poll-card';
import { PollStrip } from './poll-strip';

const lunch: Poll = {
  id: 'p1',
  room: 'lobby',
  question: 'Lunch?',
  options: ['pizza', 'soup', 'salad'],
  totals: [2, 1, 0],
  votes: { ann: 0, bob: 0, cy: 1 },
  by: 'ann',
};

function option(name: string) {
  return screen.getAllByTestId('poll-option').find((item) => within(item).queryByText(name, { exact: true }))!;
}

describe('PollCard', () => {
  it('shows the question, who asked, and each option with its count', () => {
    render(<PollCard me="me" poll={lunch} onVote={vi.fn()} />);
    const card = screen.getByRole('article', { name: 'Lunch?' });
    expect(card).toHaveTextContent('Poll by ann · 3 votes');
    const list = within(card).getByRole('list', { name: 'Options of Lunch?' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(3);
    expect(option('pizza')).toHaveTextContent('pizza2 votes');
    expect(option('soup')).toHaveTextContent('soup1 vote');
    expect(option('salad')).toHaveTextContent('salad0 votes');
  });

  it('votes with a named button, by mouse or by keyboard', async () => {
    const onVote = vi.fn();
    render(<PollCard me="me" poll={lunch} onVote={onVote} />);
    await userEvent.click(screen.getByRole('button', { name: 'Vote for soup' }));
    expect(onVote).toHaveBeenLastCalledWith(1);
    (document.activeElement as HTMLElement).blur();
    await userEvent.tab();
    expect(screen.getByRole('button', { name: 'Vote for pizza' })).toHaveFocus();
    await userEvent.tab();
    await userEvent.tab();
    expect(screen.getByRole('button', { name: 'Vote for salad' })).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(onVote).toHaveBeenLastCalledWith(2);
    await userEvent.keyboard(' ');
    expect(onVote).toHaveBeenCalledTimes(3);
  });

  it('marks your vote and disables the buttons once you voted', async () => {
    const onVote = vi.fn();
    render(<PollCard me="me" poll={{ ...lunch, totals: [2, 1, 1], votes: { ...lunch.votes, me: 2 } }} onVote={onVote} />);
    expect(option('salad')).toHaveTextContent('Your vote');
    expect(option('pizza')).not.toHaveTextContent('Your vote');
    expect(screen.getByRole('status')).toHaveTextContent('You voted for salad.');
    for (const button of screen.getAllByRole('button', { name: /^Vote for / })) expect(button).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Vote for pizza' }));
    expect(onVote).not.toHaveBeenCalled();
  });

  it('holds the buttons while your vote is on its way', () => {
    const { rerender } = render(<PollCard me="me" poll={lunch} pending={1} onVote={vi.fn()} />);
    expect(screen.getByRole('button', { name: 'Vote for pizza' })).toBeDisabled();
    expect(screen.getByRole('status')).toHaveTextContent('Sending your vote for soup');
    expect(screen.queryByText('Your vote')).toBeNull();
    rerender(<PollCard me="me" poll={lunch} onVote={vi.fn()} />);
    expect(screen.getByRole('button', { name: 'Vote for pizza' })).toBeEnabled();
    expect(screen.getByRole('status')).toHaveTextContent('');
  });

  it('says "you" for your own poll and keeps text as text', () => {
    render(<PollCard me="ann" poll={{ ...lunch, question: '<b>bold?</b>', options: ['<img src=x>', 'b', 'c'] }} onVote={vi.fn()} />);
    expect(screen.getByRole('article')).toHaveTextContent('Poll by you');
    expect(screen.getByRole('heading', { name: '<b>bold?</b>' })).toBeInTheDocument();
    expect(document.querySelector('article b, article img')).toBeNull();
  });
});

describe('PollStrip', () => {
  it('shows nothing without polls, else a labelled region of cards that votes on the right poll', async () => {
    const onVote = vi.fn();
    const { rerender } = render(<PollStrip me="me" room="lobby" polls={[]} pendingChoice={() => undefined} onVote={onVote} />);
    expect(screen.queryByRole('region')).toBeNull();
    const other: Poll = { ...lunch, id: 'p2', question: 'Dinner?' };
    rerender(<PollStrip me="me" room="lobby" polls={[other, lunch]} pendingChoice={(id) => (id === 'p2' ? 0 : undefined)} onVote={onVote} />);
    const region = screen.getByRole('region', { name: 'Polls in #lobby' });
    expect(within(region).getAllByRole('heading').map((heading) => heading.textContent)).toEqual(['Dinner?', 'Lunch?']);
    expect(region).toHaveAttribute('tabindex', '0'); // scrollable by keyboard even when every button is disabled
    const dinner = screen.getByRole('article', { name: 'Dinner?' });
    expect(within(dinner).getByRole('button', { name: 'Vote for soup' })).toBeDisabled();
    await userEvent.click(within(screen.getByRole('article', { name: 'Lunch?' })).getByRole('button', { name: 'Vote for soup' }));
    expect(onVote).toHaveBeenCalledExactlyOnceWith('p1', 1);
  });
});
