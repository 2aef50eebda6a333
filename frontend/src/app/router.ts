import { useSyncExternalStore } from 'react';

/** Three screens, addressed by the URL hash so a static file server can serve the app. */
export type Route = 'chat' | 'rooms' | 'ops';

export const ROUTES: Record<Route, string> = { chat: '#/', rooms: '#/rooms', ops: '#/ops' };

export function routeFromHash(hash: string): Route {
  if (hash === ROUTES.ops) return 'ops';
  return hash === ROUTES.rooms ? 'rooms' : 'chat';
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => routeFromHash(window.location.hash));
}
