import { ConnectionBadge, ConnectionBanner } from '@/components/connection-banner';
import type { Env } from '@/config/env';
import { OpsPage } from '@/features/ops/components/ops-page';
import type { ApiClient } from '@/lib/api';
import type { Session } from '@/lib/session';
import type { WebSocketConstructor } from '@/lib/socket';

import { ROUTES, useRoute } from './router';
import type { Route } from './router';
import { ChatRoute } from './routes/chat';
import { useChatController } from './use-chat-controller';

interface ShellProps {
  env: Env;
  api: ApiClient;
  session: Session;
  onLogout: () => void;
  WebSocketImpl?: WebSocketConstructor;
}

function Tab({ route, current, children }: { route: Route; current: Route; children: string }) {
  const active = route === current;
  return (
    <a
      href={ROUTES[route]}
      aria-current={active ? 'page' : undefined}
      className={`rounded-md px-3 py-1.5 text-sm font-medium ${active ? 'bg-slate-900 text-white' : 'text-slate-600 hover:bg-slate-100'}`}
    >
      {children}
    </a>
  );
}

/** The signed-in app: header, connection banner and the current screen. */
export function Shell({ env, api, session, onLogout, WebSocketImpl }: ShellProps) {
  const route = useRoute();
  const { controller, state, status } = useChatController({
    env,
    api,
    session,
    onUnauthorized: onLogout,
    ...(WebSocketImpl ? { WebSocketImpl } : {}),
  });
  const unread = state.conversations.reduce((sum, c) => sum + c.unread, 0);

  return (
    <div className="flex h-full flex-col">
      <header className="flex h-14 shrink-0 items-center gap-4 border-b border-slate-200 bg-white px-4">
        <a href={ROUTES.chat} className="flex items-center gap-2">
          <img src="/favicon.svg" alt="" className="h-7 w-7" />
          <span className="text-lg font-bold tracking-tight text-slate-900">Parley</span>
        </a>
        <nav aria-label="Screens" className="flex gap-1">
          <Tab route="chat" current={route}>
            {unread > 0 && route !== 'chat' ? `Chat (${unread})` : 'Chat'}
          </Tab>
          <Tab route="ops" current={route}>
            Ops
          </Tab>
        </nav>
        <div className="ml-auto flex items-center gap-3">
          <ConnectionBadge status={status} />
          <span className="text-sm text-slate-600">
            Signed in as <strong className="font-semibold text-slate-900">{session.username}</strong>
          </span>
          <button type="button" onClick={onLogout} className="rounded-md border border-slate-300 px-3 py-1 text-sm text-slate-700 hover:bg-slate-100">
            Log out
          </button>
        </div>
      </header>
      <ConnectionBanner status={status} onReconnectNow={() => controller.reconnectNow()} />
      {route === 'ops' ? <OpsPage api={api} /> : <ChatRoute controller={controller} state={state} />}
    </div>
  );
}
