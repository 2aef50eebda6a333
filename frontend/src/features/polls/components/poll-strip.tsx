import type { Poll } from '../poll-frame';

import { PollCard } from './poll-card';

interface PollStripProps {
  me: string;
  room: string;
  /** Newest first. */
  polls: Poll[];
  pendingChoice: (poll: string) => number | undefined;
  onVote: (poll: string, choice: number) => void;
}

/**
 * A room's polls, above its messages. It scrolls on its own past a third of the screen, and
 * takes focus so the keyboard can scroll it too (once you voted its buttons are disabled).
 */
export function PollStrip({ me, room, polls, pendingChoice, onVote }: PollStripProps) {
  if (polls.length === 0) return null;
  return (
    <section
      aria-label={`Polls in #${room}`}
      tabIndex={0}
      className="flex max-h-[35dvh] shrink-0 flex-col gap-2 overflow-y-auto border-b border-line bg-panel px-3 py-2 sm:px-5"
    >
      {polls.map((poll) => (
        <PollCard key={poll.id} me={me} poll={poll} pending={pendingChoice(poll.id)} onVote={(choice) => onVote(poll.id, choice)} />
      ))}
    </section>
  );
}
