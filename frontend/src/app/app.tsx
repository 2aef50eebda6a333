import { useCallback, useMemo, useState } from 'react';

import type { Env } from '@/config/env';
import { createApiClient } from '@/lib/api';
import { clearDrafts } from '@/lib/drafts';
import { clearSession, loadSession, saveSession } from '@/lib/session';
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

export function App({ env, WebSocketImpl, fetchImpl }: AppProps) {
  const [session, setSession] = useState<Session | null>(loadSession);

  const logout = useCallback(() => {
    const user = loadSession()?.username;
    if (user !== undefined) clearDrafts(user);
    clearSession();
    setSession(null);
  }, []);

  const api = useMemo(
    () =>
      createApiClient({
        baseUrl: env.apiBase,
        token: session?.token ?? null,
        onUnauthorized: logout,
        ...(fetchImpl ? { fetchImpl } : {}),
      }),
    [env.apiBase, session?.token, logout, fetchImpl],
  );

  if (!session) {
    return (
      <LoginRoute
        api={api}
        onSignedIn={(next) => {
          saveSession(next);
          setSession(next);
        }}
      />
    );
  }
  return (
    <Shell
      key={session.token}
      env={env}
      api={api}
      session={session}
      onLogout={logout}
      {...(WebSocketImpl ? { WebSocketImpl } : {})}
    />
  );
}
