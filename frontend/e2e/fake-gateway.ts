/**
 * A gateway stood in by Playwright's request and WebSocket routing, with fixed people, rooms,
 * messages and times: the screenshots and accessibility checks in ui.spec.ts see the same page
 * on every run, against `vite preview` or against the real gateway serving the built UI (only
 * /api and /ws are routed, so the page itself is the real build either way).
 */
import type { Page, WebSocketRoute } from '@playwright/test';

export const ME = 'ada';

type Message = { id: string; room: string; user: string; text: string; ts: string };

const at = (hhmm: string) => `2030-01-15T${hhmm}:00Z`;

const HISTORY: Record<string, Message[]> = {
  general: [
    { id: '0001', room: 'general', user: 'bob', text: 'Morning! The release notes are in the **wiki**, please _skim_ them before standup.', ts: at('09:00') },
    { id: '0002', room: 'general', user: 'bob', text: 'Checklist:\n- deploy the gateway\n- ~~rewrite everything~~\n- run `make test`', ts: at('09:01') },
    { id: '0003', room: 'general', user: 'carol', text: '> the release notes are in the wiki\n\nThanks, found them: https://example.com/notes', ts: at('09:05') },
    { id: '0004', room: 'general', user: 'helper-bot', text: 'carol rolled 2d6: 3 + 5 = 8', ts: at('09:06') },
    { id: '0005', room: 'general', user: 'ada', text: '```python\ndef greet(name):\n    return f"hi {name}"  # short and sweet\n```', ts: at('09:10') },
    {
      id: '0006',
      room: 'general',
      user: 'carol',
      text: 'A longer message wraps at spaces on a phone, never letter by letter: internationalization, observability and the <b>markup</b> stays text.',
      ts: at('09:12'),
    },
  ],
  random: [{ id: '0101', room: 'random', user: 'bob', text: 'Anyone up for lunch?', ts: at('08:30') }],
};

/** Frames pushed after a join: new messages in `random`, so it shows an unread count. */
const LIVE: Record<string, Message[]> = {
  random: [
    { id: '0102', room: 'random', user: 'carol', text: 'Me!', ts: at('09:20') },
    { id: '0103', room: 'random', user: 'bob', text: 'Noon at the usual place', ts: at('09:21') },
  ],
};

const PRESENCE: Record<string, string[]> = { general: ['ada', 'bob', 'carol', 'helper-bot'], random: ['ada', 'bob', 'carol'] };

const FUNCTIONS = [
  { name: 'chat', trigger: 'on_message', topic: 'chat.message', group: 'fn.chat', state: 'running', replicas: 2, lag: 0, dlq: 0 },
  { name: 'private', trigger: 'on_private', topic: 'chat.private', group: 'fn.private', state: 'running', replicas: 1, lag: 0, dlq: 0 },
  { name: 'presence', trigger: 'on_join', topic: 'chat.join', group: 'fn.presence', state: 'running', replicas: 1, lag: 3, dlq: 0 },
  { name: 'bot', trigger: 'on_message', topic: 'chat.message', group: 'fn.bot', state: 'asleep', replicas: 0, lag: 0, dlq: 2 },
];

/** The sidebar as the server keeps it: ada is a server admin (the Ops tab shows). */
const ME_BODY = {
  username: ME,
  admin: true,
  rooms: [
    { name: 'general', role: 'member', unread: 0, mentions: 0, topic: 'Everything else', visibility: 'public' },
    { name: 'random', role: 'member', unread: 0, mentions: 0, topic: '', visibility: 'public' },
  ],
  conversations: [{ user: 'carol', unread: 0 }],
};

export interface FakeGateway {
  /** Whether the page holds a session (its cookie): after a login, or `signedIn`. */
  session: boolean;
  /** Every frame the page sent, parsed. */
  received: Record<string, unknown>[];
  sockets: WebSocketRoute[];
}

/** Routes /api and /ws of `page` to the stand-in. */
export async function fakeGateway(page: Page): Promise<FakeGateway> {
  const gateway: FakeGateway = { session: false, received: [], sockets: [] };
  await page.route('**/api/**', async (route) => {
    const path = new URL(route.request().url()).pathname;
    const messages = /^\/api\/rooms\/([^/]+)\/messages$/.exec(path);
    const presence = /^\/api\/rooms\/([^/]+)\/presence$/.exec(path);
    if (path === '/api/login' || path === '/api/register') {
      gateway.session = true; // the session cookie, as the gateway sets it
      await route.fulfill({ json: { username: ME, token: 'tok-ui', expires_in: 900 } });
    } else if (path === '/api/refresh') {
      if (gateway.session) await route.fulfill({ json: { username: ME, token: 'tok-ui', expires_in: 900 } });
      else await route.fulfill({ status: 401, json: { error: 'unauthorized', detail: 'no session' } });
    } else if (path === '/api/ws-ticket') await route.fulfill({ json: { ticket: 'tkt-ui', expires_in: 30 } });
    else if (path === '/api/logout' || path === '/api/logout-all') {
      gateway.session = false;
      await route.fulfill({ json: { sessions: 1 } });
    }
    else if (messages) await route.fulfill({ json: { messages: HISTORY[messages[1] ?? ''] ?? [] } });
    else if (presence) await route.fulfill({ json: { room: presence[1], users: PRESENCE[presence[1] ?? ''] ?? [ME] } });
    else if (path.startsWith('/api/private/')) await route.fulfill({ json: { messages: [{ id: '0201', from: 'carol', to: ME, text: 'Got a minute?', ts: at('09:15') }] } });
    else if (path === '/api/functions') await route.fulfill({ json: { functions: FUNCTIONS } });
    else if (path === '/api/me') await route.fulfill({ json: ME_BODY });
    else if (path === '/api/rooms') await route.fulfill({ json: { rooms: [] } });
    else await route.fulfill({ status: 404, json: { error: 'not_found', detail: path } });
  });
  await page.routeWebSocket(/\/ws\?ticket=tkt-ui$/, (ws) => {
    gateway.sockets.push(ws);
    ws.onMessage((data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      gateway.received.push(frame);
      const room = typeof frame.room === 'string' ? frame.room : '';
      if (frame.type === 'join') {
        ws.send(JSON.stringify({ type: 'presence', room, users: PRESENCE[room] ?? [ME] }));
        const since = typeof frame.since === 'string' ? frame.since : '';
        for (const message of LIVE[room] ?? []) if (message.id > since) ws.send(JSON.stringify({ type: 'message', ...message }));
      } else if (frame.type === 'message') {
        const id = `09${String(gateway.received.length).padStart(2, '0')}`;
        ws.send(JSON.stringify({ type: 'ack', client_id: frame.client_id, id }));
        ws.send(JSON.stringify({ type: 'message', id, room, user: ME, text: frame.text, ts: at('09:30') }));
      } else if (frame.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      }
    });
  });
  return gateway;
}

/**
 * Signs `ada` in with two rooms and a direct conversation open, `#general` on screen: the
 * session cookie (so `/api/refresh` answers) and what the tab keeps in sessionStorage.
 */
export async function signedIn(page: Page): Promise<void> {
  // Routes registered later run first: this one answers refresh for the whole test.
  await page.route('**/api/refresh', (route) => route.fulfill({ json: { username: ME, token: 'tok-ui', expires_in: 900 } }));
  // A string: this runs in the page, before its scripts (and again after a reload).
  const seed = {
    'parley.session': { username: ME },
    'parley.rooms': ['general', 'random'],
    'parley.dms': ['carol'],
    'parley.active': 'room:general',
  };
  await page.addInitScript(`
    if (sessionStorage.getItem('parley.session') === null) {
      for (const [key, value] of Object.entries(${JSON.stringify(seed)})) sessionStorage.setItem(key, JSON.stringify(value));
    }
  `);
}
