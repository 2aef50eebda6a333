import { useEffect, useState, useSyncExternalStore } from 'react';

import type { Env } from '@/config/env';
import { socketTicket } from '@/features/auth/api/auth';
import type { LaterState } from '@/features/later/later-store';
import type { PollsState } from '@/features/polls/poll-store';
import type { ApiClient } from '@/lib/api';
import type { ChatState } from '@/lib/chat-store';
import type { Session } from '@/lib/session';
import type { ConnectionStatus, WebSocketConstructor } from '@/lib/socket';

import { ChatController } from './chat-controller';

interface Options {
  env: Env;
  api: ApiClient;
  session: Session;
  onUnauthorized: () => void;
  WebSocketImpl?: WebSocketConstructor;
}

/** One controller per session: connected while mounted, disconnected on unmount. */
export function useChatController({ env, api, session, onUnauthorized, WebSocketImpl }: Options) {
  const [controller] = useState(
    () =>
      new ChatController({
        session,
        api,
        // a one-use ticket per attempt: no token in the URL (docs/PROTOCOL.md 3.1)
        socketUrl: async () => env.socketUrl(await socketTicket(api)),
        onUnauthorized,
        ...(WebSocketImpl ? { WebSocketImpl } : {}),
      }),
  );
  useEffect(() => {
    controller.start();
    return () => controller.stop();
  }, [controller]);
  const state: ChatState = useSyncExternalStore(controller.store.subscribe, controller.store.getState);
  const status: ConnectionStatus = useSyncExternalStore(controller.subscribeStatus, controller.getStatus);
  const polls: PollsState = useSyncExternalStore(controller.polls.subscribe, controller.polls.getState);
  const later: LaterState = useSyncExternalStore(controller.later.store.subscribe, controller.later.store.getState);
  return { controller, state, status, polls, later };
}
