import { useEffect, useState } from 'react';

import { ConnectionBadge, ConnectionBanner } from '@/components/connection-banner';
import { SearchIcon } from '@/components/icons';
import { NotificationsButton } from '@/components/notifications-button';
import { ThemeToggle } from '@/components/theme-toggle';
import type { Env } from '@/config/env';
import { changePassword } from '@/features/auth/api/auth';
import { AccountDialog } from '@/features/auth/components/account-dialog';
import type { Files } from '@/features/chat/files/files-context';
import { FilesContext } from '@/features/chat/files/files-context';
import { createUploadClient } from '@/features/chat/files/upload-client';
import { createUploadUrls } from '@/features/chat/files/upload-urls';
import { OpsPage } from '@/features/ops/components/ops-page';
import { QuickSwitcher } from '@/features/rooms/components/quick-switcher';
import { SearchDialog } from '@/features/search/components/search-dialog';
import type { ApiClient } from '@/lib/api';
import { conversationKey, sidebarOrder } from '@/lib/chat-store';
import { titleFor } from '@/lib/chat-store-live';
import type { AuthResponse } from '@/lib/protocol';
import type { Session } from '@/lib/session';
import type { WebSocketConstructor } from '@/lib/socket';

import { ROUTES, useRoute } from './router';
import type { Route } from './router';
import { ChatRoute } from './routes/chat';
import { RoomsRoute } from './routes/rooms';
import { useChatController } from './use-chat-controller';
import { useShortcuts } from './use-shortcuts';

interface ShellProps {
  env: Env;
  api: ApiClient;
  session: Session;
  onLogout: () => void;
  /** End every session of the account (the Account dialog). */
  onLogoutEverywhere?: () => void;
  /** The gateway closed the socket because its session ended (4401); default: `onLogout`. */
  onSessionEnded?: () => void;
  /** A password change gave this device a new session and token. */
  onPasswordChanged?: (auth: AuthResponse) => void;
  WebSocketImpl?: WebSocketConstructor;
  /** The access token now, and its renewal after a 401 (uploads go by XMLHttpRequest, outside `api`); default: the session's. */
  tokens?: { readonly token: string | null; renew: () => Promise<string | null> };
}

function Tab({ route, current, children }: { route: Route; current: Route; children: string }) {
  const active = route === current;
  return (
    <a
      href={ROUTES[route]}
      aria-current={active ? 'page' : undefined}
      className={`rounded-md px-2.5 py-1.5 text-sm font-medium whitespace-nowrap sm:px-3 ${
        active ? 'bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900' : 'text-fg-2 hover:bg-hover'
      }`}
    >
      {children}
    </a>
  );
}

/** What covers part of the chat: a drawer on a phone (conversations, people) or the members dialog. */
export type Panel = 'nav' | 'people' | 'members' | null;

/** The signed-in app: header, connection banner, the current screen and the keyboard shortcuts. */
export function Shell({ env, api, session, onLogout, onLogoutEverywhere, onSessionEnded, onPasswordChanged, WebSocketImpl, tokens }: ShellProps) {
  const route = useRoute();
  const { controller, state, status, polls, later } = useChatController({
    env,
    api,
    session,
    onUnauthorized: onSessionEnded ?? onLogout,
    ...(WebSocketImpl ? { WebSocketImpl } : {}),
  });
  const [panel, setPanel] = useState<Panel>(null);
  const [switcher, setSwitcher] = useState(false);
  const [account, setAccount] = useState(false);
  /** The message search, open with its starting query, or closed (null). */
  const [search, setSearch] = useState<string | null>(null);
  const [files] = useState<Files>(() => ({
    uploads: createUploadClient({
      baseUrl: env.apiBase,
      token: () => (tokens ? tokens.token : session.token),
      ...(tokens ? { renew: () => tokens.renew() } : {}),
      onUnauthorized: onSessionEnded ?? onLogout,
    }),
    urls: createUploadUrls(api, env.apiBase),
  }));

  /** The change ends this device's session too: its socket goes first, then comes back on the new one. */
  async function changeTo(current: string, next: string) {
    controller.stop();
    try {
      const auth = await changePassword(api, current, next);
      onPasswordChanged?.(auth);
    } finally {
      controller.start();
    }
  }
  const unread = state.conversations.reduce((sum, c) => sum + c.unread, 0);

  useEffect(() => {
    controller.setViewing(route === 'chat');
  }, [controller, route]);

  // "(N) Parley": unread mentions plus unread direct messages (chat-store-live.ts, attentionCount).
  const title = titleFor(state);
  useEffect(() => {
    document.title = title;
  }, [title]);

  function showChat() {
    if (route !== 'chat') window.location.hash = ROUTES.chat;
  }

  useShortcuts({
    onSwitcher: () => setSwitcher(true),
    onStep: (delta) => {
      const order = sidebarOrder(state.conversations);
      if (order.length === 0) return;
      const at = order.findIndex((c) => c.key === state.active);
      const next = order[(at + delta + order.length) % order.length];
      if (next) controller.select(next.key);
      showChat();
    },
    onEscape: () => {
      if (switcher) setSwitcher(false);
      else setPanel(null);
    },
    onSearch: () => {
      setSwitcher(false);
      setSearch('');
    },
  });

  const people = Object.values(state.presence).flat();
  const open = state.conversations.find((c) => c.key === state.active);

  return (
    <FilesContext value={files}>
      <div className="flex h-full flex-col">
        <header className="flex h-14 shrink-0 items-center gap-2 border-b border-line bg-surface px-3 sm:gap-4 sm:px-4">
          <a href={ROUTES.chat} className="flex shrink-0 items-center gap-2 rounded-md" aria-label="Parley">
            <img src="/favicon.svg" alt="" className="h-7 w-7" />
            <span className="hidden text-lg font-bold tracking-tight text-fg sm:inline">Parley</span>
          </a>
          <nav aria-label="Screens" className="flex gap-1">
            <Tab route="chat" current={route}>
              {unread > 0 && route !== 'chat' ? `Chat (${unread})` : 'Chat'}
            </Tab>
            {/* The Ops page is for server admins (GET /api/functions answers 403 to anyone else). */}
            {state.admin && (
              <Tab route="ops" current={route}>
                Ops
              </Tab>
            )}
          </nav>
          <div className="ml-auto flex min-w-0 items-center gap-1.5 sm:gap-3">
            <button
              type="button"
              onClick={() => setSearch('')}
              aria-keyshortcuts="/"
              title="Search messages (/)"
              className="flex h-8 shrink-0 items-center gap-1.5 rounded-md border border-line-strong px-2 text-sm text-fg-2 hover:bg-hover"
            >
              <SearchIcon />
              <span className="sr-only sm:not-sr-only">Search</span>
              <span className="sr-only"> messages</span>
            </button>
            <ConnectionBadge status={status} />
            <span className="hidden truncate text-sm text-muted md:inline">
              Signed in as{' '}
              <button
                type="button"
                onClick={() => setAccount(true)}
                aria-label={`Account: ${session.username}`}
                title="Change your password, or log out everywhere"
                className="font-semibold text-fg hover:underline"
              >
                {session.username}
              </button>
            </span>
            <NotificationsButton />
            <ThemeToggle />
            <button type="button" onClick={onLogout} className="shrink-0 rounded-md border border-line-strong px-2.5 py-1 text-sm whitespace-nowrap text-fg-2 hover:bg-hover">
              Log out
            </button>
          </div>
        </header>
        <ConnectionBanner status={status} onReconnectNow={() => controller.reconnectNow()} />
        {route === 'ops' ? (
          <OpsPage api={api} />
        ) : route === 'rooms' ? (
          <RoomsRoute api={api} controller={controller} state={state} onShowChat={showChat} />
        ) : (
          <ChatRoute controller={controller} state={state} polls={polls} later={later} panel={panel} onPanel={setPanel} />
        )}
        {account && (
          <AccountDialog
            username={session.username}
            onChangePassword={changeTo}
            onLogoutEverywhere={onLogoutEverywhere ?? onLogout}
            onClose={() => setAccount(false)}
          />
        )}
        {switcher && (
          <QuickSwitcher
            me={state.me}
            entries={state.conversations}
            people={people}
            onClose={() => setSwitcher(false)}
            onSearch={(query) => {
              setSwitcher(false);
              setSearch(query);
            }}
            onPick={(pick) => {
              setSwitcher(false);
              setPanel(null);
              showChat();
              if (pick.kind === 'room') controller.openRoom(pick.name);
              else if (state.conversations.some((c) => c.key === conversationKey('dm', pick.name))) controller.select(conversationKey('dm', pick.name));
              else controller.openPrivate(pick.name);
            }}
          />
        )}
        {search !== null && (
          <SearchDialog
            api={api}
            me={state.me}
            initialQuery={search}
            here={open && route === 'chat' ? { kind: open.kind, name: open.name } : null}
            onClose={() => setSearch(null)}
            onPick={(hit) => {
              setSearch(null);
              setPanel(null);
              showChat();
              void controller.jumps.jumpTo(hit.kind, hit.name, hit.id);
            }}
          />
        )}
      </div>
    </FilesContext>
  );
}
