import { useCallback, useEffect, useMemo, useState } from 'react';

import type { Env } from '@/config/env';
import { logout as endSession, refresh } from '@/features/auth/api/auth';
import { createApiClient } from '@/lib/api';
import { clearDrafts } from '@/lib/drafts';
import { clearSession, saveSignedIn, Tokens } from '@/lib/session';
import type { Session } from '@/lib/session';
import type { WebSocketConstructor } from '@/lib/socket';

import { LoginRoute } from './routes/login';
import { Shell } from './shell';

interface AppProps {
  env: Env;
  /** Tests pass a fake; the browser's WebSocket otherwise. */
  WebSocketImpl?: WebSocketConstructor;
  fetchImpl?: typeof fetch;
}

/**
 * Signed in or not. The session is the gateway's HttpOnly cookie: on start the page asks
 * `POST /api/refresh` whether there is one (a reload, another tab), and keeps the access token
 * it gets in memory only, renewing it through the cookie when a call finds it expired.
 */
export function App({ env, WebSocketImpl, fetchImpl }: AppProps) {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  /** Bumped to start the signed-in screen afresh (its socket on a renewed session). */
  const [generation, setGeneration] = useState(0);

  // Calls without a token: login, register, refresh and logout go by the cookie.
  const anonymous = useMemo(
    () => createApiClient({ baseUrl: env.apiBase, ...(fetchImpl ? { fetchImpl } : {}) }),
    [env.apiBase, fetchImpl],
  );
  const [tokens] = useState(() => new Tokens(async () => (await refresh(anonymous))?.token ?? null));

  const signedOut = useCallback(
    (username: string | undefined) => {
      if (username !== undefined) clearDrafts(username);
      clearSession();
      tokens.set(null);
      setSession(null);
    },
    [tokens],
  );
  const user = session?.username;
  /** The session ended on the server (a 401 that no renewal cured, a 4401 close). */
  const ended = useCallback(() => signedOut(user), [signedOut, user]);
  /** The socket was closed for an ended session: carry on if the cookie still has one. */
  const socketRefused = useCallback(() => {
    void tokens.renew().then((token) => {
      if (token) setGeneration((n) => n + 1);
      else signedOut(user);
    });
  }, [tokens, signedOut, user]);
  const logout = useCallback(
    (everywhere: boolean) => {
      endSession(anonymous, everywhere).catch(() => undefined); // the cookie goes either way
      signedOut(user);
    },
    [anonymous, signedOut, user],
  );

  useEffect(() => {
    let live = true;
    void refresh(anonymous)
      .catch(() => null)
      .then((found) => {
        if (!live) return;
        if (found) {
          tokens.set(found.token);
          saveSignedIn(found.username);
          setSession(found);
        }
        setChecking(false);
      });
    return () => {
      live = false;
    };
  }, [anonymous, tokens]);

  const api = useMemo(
    () =>
      createApiClient({
        baseUrl: env.apiBase,
        token: () => tokens.token,
        renew: () => tokens.renew(),
        onUnauthorized: ended,
        ...(fetchImpl ? { fetchImpl } : {}),
      }),
    [env.apiBase, tokens, ended, fetchImpl],
  );

  if (checking) {
    return (
      <main className="flex min-h-full items-center justify-center text-sm text-muted" aria-busy="true">
        Loading…
      </main>
    );
  }
  if (!session) {
    return (
      <LoginRoute
        api={anonymous}
        onSignedIn={(next) => {
          tokens.set(next.token);
          saveSignedIn(next.username);
          setSession(next);
        }}
      />
    );
  }
  return (
    <Shell
      key={`${session.username}:${generation}`}
      env={env}
      api={api}
      session={session}
      onLogout={() => logout(false)}
      onLogoutEverywhere={() => logout(true)}
      onSessionEnded={socketRefused}
      onPasswordChanged={(auth) => tokens.set(auth.token)}
      tokens={tokens}
      {...(WebSocketImpl ? { WebSocketImpl } : {})}
    />
  );
}
