import { useId } from 'react';

import type { Poll } from '../poll-frame';
import { totalVotes, voteOf } from '../poll-frame';

interface PollCardProps {
  me: string;
  poll: Poll;
  /** The option of your vote while it is on its way (buttons wait meanwhile). */
  pending?: number | undefined;
  onVote: (choice: number) => void;
}

const votes = (n: number) => `${n} ${n === 1 ? 'vote' : 'votes'}`;

/** One poll: its question, each option with its count and a bar, and a vote button per option. */
export function PollCard({ me, poll, pending, onVote }: PollCardProps) {
  const heading = useId();
  const mine = voteOf(poll, me);
  const total = totalVotes(poll);
  const locked = mine !== undefined || pending !== undefined;
  const status =
    mine !== undefined
      ? `You voted for ${poll.options[mine] ?? 'an option'}.`
      : pending !== undefined
        ? `Sending your vote for ${poll.options[pending] ?? 'an option'}…`
        : '';

  return (
    <article aria-labelledby={heading} data-testid="poll" className="rounded-xl border border-line bg-surface p-3 shadow-sm">
      <div className="flex flex-wrap items-baseline justify-between gap-x-3">
        <h3 id={heading} className="min-w-0 text-sm font-semibold break-words text-fg">
          {poll.question}
        </h3>
        <p className="text-xs text-muted">
          Poll by {poll.by === me ? 'you' : poll.by} · <span data-testid="poll-total">{votes(total)}</span>
        </p>
      </div>
      <ul aria-label={`Options of ${poll.question}`} className="mt-2 flex flex-col gap-2">
        {poll.options.map((option, index) => {
          const count = poll.totals[index] ?? 0;
          const share = total === 0 ? 0 : Math.round((count / total) * 100);
          const chosen = mine === index;
          return (
            <li key={index} data-testid="poll-option" className="flex items-center gap-2">
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-baseline gap-x-2">
                  <span className="text-sm break-words text-fg">{option}</span>
                  {chosen && (
                    <span className="rounded bg-accent-strong px-1.5 py-px text-[10px] font-bold tracking-wide text-white uppercase">
                      Your vote
                    </span>
                  )}
                </div>
                <div aria-hidden="true" className="mt-1 h-1.5 overflow-hidden rounded-full bg-line">
                  <div className={`h-full rounded-full ${chosen ? 'bg-accent-strong' : 'bg-muted'}`} style={{ width: `${share}%` }} />
                </div>
              </div>
              <span data-testid="poll-count" className="min-w-14 shrink-0 text-right whitespace-nowrap text-xs text-fg-2 tabular-nums">
                {votes(count)}
              </span>
              <button
                type="button"
                aria-label={`Vote for ${option}`}
                disabled={locked}
                onClick={() => onVote(index)}
                className="shrink-0 rounded-md border border-line-strong px-2.5 py-1 text-xs font-semibold text-fg-2 hover:bg-hover disabled:cursor-default disabled:opacity-50 disabled:hover:bg-transparent"
              >
                Vote
              </button>
            </li>
          );
        })}
      </ul>
      {/* Always there, so a screen reader announces when it changes; the badge shows it. */}
      <p role="status" className="sr-only">
        {status}
      </p>
    </article>
  );
}
