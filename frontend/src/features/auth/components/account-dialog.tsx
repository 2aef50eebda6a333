import { useId, useState } from 'react';
import type { SubmitEvent } from 'react';

import { Dialog } from '@/components/dialog';
import { errorText } from '@/lib/api';
import { passwordProblem } from '@/lib/validation';

interface AccountDialogProps {
  username: string;
  /** Change the password: resolves once the new session is in place; rejects with the reason. */
  onChangePassword: (current: string, next: string) => Promise<void>;
  /** End every session of the account, this one too. */
  onLogoutEverywhere: () => void;
  onClose: () => void;
}

const FIELD =
  'mt-1 w-full rounded-lg border border-line-strong bg-surface px-3 py-2 text-fg text-sm focus:border-accent focus:ring-2 focus:ring-accent/30 focus:outline-none';

/** Your account: change the password (which signs every other device out), or sign out everywhere. */
export function AccountDialog({ username, onChangePassword, onLogoutEverywhere, onClose }: AccountDialogProps) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const ids = useId();

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const problem = current === '' ? 'Enter your current password.' : passwordProblem(next);
    if (problem) {
      setError(problem);
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await onChangePassword(current, next);
      setDone(true);
      setCurrent('');
      setNext('');
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Account: ${username}`} onClose={onClose}>
      <form onSubmit={(event) => void submit(event)} noValidate className="p-4" aria-labelledby={`${ids}-title`}>
        <h3 id={`${ids}-title`} className="text-sm font-semibold text-fg">
          Change password
        </h3>
        <p className="mt-1 text-sm text-muted">Every other device is signed out; this one stays signed in.</p>
        <label htmlFor={`${ids}-current`} className="mt-4 block text-sm font-medium text-fg-2">
          Current password
        </label>
        <input
          id={`${ids}-current`}
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
          className={FIELD}
        />
        <label htmlFor={`${ids}-new`} className="mt-4 block text-sm font-medium text-fg-2">
          New password
        </label>
        <input id={`${ids}-new`} type="password" autoComplete="new-password" value={next} onChange={(event) => setNext(event.target.value)} className={FIELD} />
        {error && (
          <p role="alert" className="mt-4 rounded-lg bg-danger-soft px-3 py-2 text-sm text-danger">
            {error}
          </p>
        )}
        {done && (
          <p role="status" className="mt-4 text-sm text-fg-2">
            Password changed. Other devices are signed out.
          </p>
        )}
        <button
          type="submit"
          disabled={busy}
          className="mt-4 rounded-lg bg-accent-strong px-4 py-2 text-sm font-semibold text-white hover:bg-accent-strong/90 disabled:opacity-60"
        >
          {busy ? 'Please wait…' : 'Change password'}
        </button>
      </form>
      <div className="border-t border-line p-4">
        <h3 className="text-sm font-semibold text-fg">Sessions</h3>
        <p className="mt-1 text-sm text-muted">Sign out on every device and browser where you are signed in, this one too.</p>
        <button
          type="button"
          onClick={onLogoutEverywhere}
          className="mt-3 rounded-md border border-line-strong px-3 py-1.5 text-sm text-fg-2 hover:bg-hover"
        >
          Log out everywhere
        </button>
      </div>
    </Dialog>
  );
}
