import { useId, useState } from 'react';
import type { SubmitEvent } from 'react';

import { errorText } from '@/lib/api';
import type { Credentials } from '@/lib/protocol';
import { passwordProblem, usernameProblem } from '@/lib/validation';

import type { AuthMode } from '../api/auth';

interface LoginFormProps {
  onSubmit: (mode: AuthMode, credentials: Credentials) => Promise<void>;
}

export function LoginForm({ onSubmit }: LoginFormProps) {
  const [mode, setMode] = useState<AuthMode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = useId();

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = username.trim();
    const problem =
      usernameProblem(name) ??
      (mode === 'register' ? passwordProblem(password) : password === '' ? 'Enter your password.' : null);
    if (problem) {
      setError(problem);
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await onSubmit(mode, { username: name, password });
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  }

  const registering = mode === 'register';
  return (
    <form
      onSubmit={(event) => void submit(event)}
      noValidate
      className="w-full max-w-sm rounded-2xl border border-line bg-surface p-8 shadow-sm"
      aria-labelledby={`${ids}-title`}
    >
      <h1 id={`${ids}-title`} className="text-xl font-semibold text-fg">
        {registering ? 'Create your account' : 'Sign in to Parley'}
      </h1>
      <p className="mt-1 text-sm text-muted">
        {registering ? 'Pick a user name and a password of 8 characters or more.' : 'Welcome back.'}
      </p>

      <label htmlFor={`${ids}-user`} className="mt-6 block text-sm font-medium text-fg-2">
        User name
      </label>
      <input
        id={`${ids}-user`}
        name="username"
        autoComplete="username"
        autoFocus
        value={username}
        onChange={(event) => setUsername(event.target.value)}
        className="mt-1 w-full rounded-lg border border-line-strong bg-surface px-3 py-2 text-fg text-sm focus:border-accent focus:ring-2 focus:ring-accent/30 focus:outline-none"
      />

      <label htmlFor={`${ids}-password`} className="mt-4 block text-sm font-medium text-fg-2">
        Password
      </label>
      <input
        id={`${ids}-password`}
        name="password"
        type="password"
        autoComplete={registering ? 'new-password' : 'current-password'}
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        className="mt-1 w-full rounded-lg border border-line-strong bg-surface px-3 py-2 text-fg text-sm focus:border-accent focus:ring-2 focus:ring-accent/30 focus:outline-none"
      />

      {error && (
        <p role="alert" className="mt-4 rounded-lg bg-danger-soft px-3 py-2 text-sm text-danger">
          {error}
        </p>
      )}

      <button
        type="submit"
        disabled={busy}
        className="mt-6 w-full rounded-lg bg-accent-strong px-4 py-2 text-sm font-semibold text-white hover:bg-accent-strong/90 disabled:opacity-60"
      >
        {busy ? 'Please wait…' : registering ? 'Create account' : 'Sign in'}
      </button>

      <p className="mt-4 text-center text-sm text-muted">
        {registering ? 'Already have an account?' : 'New to Parley?'}{' '}
        <button
          type="button"
          onClick={() => {
            setMode(registering ? 'login' : 'register');
            setError(null);
          }}
          className="font-medium text-accent hover:underline"
        >
          {registering ? 'Sign in' : 'Create an account'}
        </button>
      </p>
    </form>
  );
}
