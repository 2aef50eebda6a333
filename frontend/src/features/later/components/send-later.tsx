import { useState } from 'react';

import { fromLocalInput, presets, toLocalInput } from '../presets';

interface SendLaterProps {
  /** Schedules the composer's text; returns a problem to show, or null once scheduled. */
  onPick: (at: Date) => string | null;
  onClose: () => void;
}

const CHOICE = 'rounded-md border border-line-strong px-2.5 py-1 text-xs font-medium text-fg-2 hover:bg-hover';

/** The composer's "Send later" choices: presets, or a date and time of your own. */
export function SendLater({ onPick, onClose }: SendLaterProps) {
  const [now] = useState(() => new Date());
  const [when, setWhen] = useState(() => toLocalInput(new Date(now.getTime() + 60 * 60_000)));
  const [problem, setProblem] = useState<string | null>(null);
  const pick = (at: Date) => {
    const refused = onPick(at);
    if (refused === null) onClose();
    else setProblem(refused);
  };
  return (
    <div role="group" aria-label="Send later" className="mt-2 flex flex-col gap-2 rounded-lg border border-line bg-panel p-2">
      <div className="flex flex-wrap gap-1.5">
        {presets(now).map((preset) => (
          <button key={preset.label} type="button" className={CHOICE} onClick={() => pick(preset.at)}>
            {preset.label}
          </button>
        ))}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <input
          aria-label="Send at"
          type="datetime-local"
          value={when}
          onChange={(event) => setWhen(event.target.value)}
          className="rounded-md border border-line-strong bg-surface px-2 py-1 text-xs text-fg"
        />
        <button
          type="button"
          className="rounded-md bg-accent-strong px-2.5 py-1 text-xs font-semibold text-white hover:bg-accent-strong/90"
          onClick={() => {
            const at = fromLocalInput(when, new Date());
            if (typeof at === 'string') setProblem(at);
            else pick(at);
          }}
        >
          Schedule
        </button>
        <button type="button" className={CHOICE} onClick={onClose}>
          Not now
        </button>
      </div>
      {problem && (
        <p role="alert" className="text-xs text-danger">
          {problem}
        </p>
      )}
    </div>
  );
}
