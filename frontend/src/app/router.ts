import { useSyncExternalStore } from 'react';

/** Two screens, addressed by the URL hash so a static file server can serve the app. */
export type Route = 'chat' | 'ops';

export const ROUTES: Record<Route, string> = { chat: '#/', ops: '#/ops' };

export function routeFromHash(hash: string): Route {
  return hash === ROUTES.ops ? 'ops' : 'chat';
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => routeFromHash(window.location.hash));
}
