import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { FakeWebSocket } from '@/test/fake-websocket';

import type { ChatSocketOptions, SocketEvent } from './socket';
import { backoffDelay, ChatSocket } from './socket';

let ids = 0;

function makeSocket(options: Partial<ChatSocketOptions> = {}) {
  const events: SocketEvent[] = [];
  const socket = new ChatSocket({
    url: 'ws://gateway.test/ws?ticket=t0k',
    WebSocketImpl: FakeWebSocket,
    baseDelayMs: 1_000,
    maxDelayMs: 8_000,
    random: () => 1, // the top of each jitter window, so delays are exact
    newClientId: () => `c${++ids}`,
    ...options,
  });
  socket.subscribe((event) => events.push(event));
  return { socket, events };
}

function message(id: string, room = 'general', user = 'bob') {
  return { type: 'message', id, room, user, text: `text ${id}`, ts: '2030-01-02T03:04:05Z' };
}

function ofType<T extends SocketEvent['type']>(events: SocketEvent[], type: T) {
  return events.filter((event): event is Extract<SocketEvent, { type: T }> => event.type === type);
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
  ids = 0;
});

afterEach(() => {
  vi.useRealTimers();
});

/** Lets promise callbacks that are already due run (microtasks; the timers stay fake). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await Promise.resolve();
}

describe('connecting', () => {
  it('waits for a URL that comes as a promise: a fresh one-use ticket per attempt', async () => {
    const pending: ((url: string) => void)[] = [];
    const failing: ((reason: Error) => void)[] = [];
    const { socket } = makeSocket({
      url: () =>
        new Promise<string>((resolve, reject) => {
          pending.push(resolve);
          failing.push(reject);
        }),
    });
    socket.connect();
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(socket.status).toEqual({ kind: 'connecting', attempt: 1 });
    pending[0]!('ws://gateway.test/ws?ticket=t1');
    await settle();
    expect(FakeWebSocket.latest().url).toBe('ws://gateway.test/ws?ticket=t1');
    FakeWebSocket.latest().drop(1006);
    vi.advanceTimersByTime(1_000);
    expect(pending).toHaveLength(2); // the reconnect asks for a new ticket
    failing[1]!(new Error('no ticket'));
    await settle();
    expect(socket.status).toMatchObject({ kind: 'reconnecting', attempt: 2 });
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('does not dial a URL that arrives after it stopped', async () => {
    const pending: ((url: string) => void)[] = [];
    const { socket } = makeSocket({ url: () => new Promise<string>((resolve) => pending.push(resolve)) });
    socket.connect();
    socket.disconnect();
    pending[0]!('ws://gateway.test/ws?ticket=late');
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(socket.status).toEqual({ kind: 'offline', reason: 'stopped' });
  });

  it('dials the URL, goes online on open and joins the rooms joined before', () => {
    const { socket, events } = makeSocket();
    socket.join('general');
    socket.join('random');
    socket.connect();
    const ws = FakeWebSocket.latest();
    expect(ws.url).toBe('ws://gateway.test/ws?ticket=t0k');
    expect(socket.status).toEqual({ kind: 'connecting', attempt: 1 });
    expect(ws.sent).toEqual([]);

    ws.open();
    expect(socket.status).toEqual({ kind: 'online' });
    expect(ws.frames()).toEqual([
      { type: 'join', room: 'general' },
      { type: 'join', room: 'random' },
    ]);
    expect(ofType(events, 'status').map((e) => e.status.kind)).toEqual(['connecting', 'online']);
  });

  it('reports online only after the rejoins and re-sends, so what a listener sends then follows them, once', () => {
    const { socket } = makeSocket();
    socket.join('general');
    socket.sendAction('poll', { room: 'general', question: 'Early?', options: ['yes', 'no'] });
    socket.subscribe((event) => {
      if (event.type === 'status' && event.status.kind === 'online') socket.sendAction('poll', { room: 'general' });
    });
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    expect(ws.frames()).toEqual([
      { type: 'join', room: 'general' },
      { type: 'poll', room: 'general', question: 'Early?', options: ['yes', 'no'], client_id: 'c1' },
      { type: 'poll', room: 'general', client_id: 'c2' },
    ]);
  });

  it('joins and leaves at once while online', () => {
    const { socket } = makeSocket();
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    socket.join('dev');
    socket.join('dev'); // joining twice sends once
    socket.leave('dev');
    expect(ws.frames()).toEqual([
      { type: 'join', room: 'dev' },
      { type: 'leave', room: 'dev' },
    ]);
    expect(socket.joinedRooms()).toEqual([]);
  });

  it('ignores frames that are not JSON or not in the contract', () => {
    const { socket, events } = makeSocket();
    socket.join('general');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    ws.receive('{not json');
    ws.receive({ type: 'message', id: 'm1', room: 'general' }); // no user/text/ts
    ws.receive({ type: 'surprise' });
    expect(ofType(events, 'message')).toEqual([]);
    expect(socket.status.kind).toBe('online');
  });
});

describe('frames of other types', () => {
  it('passes a frame whose type the contract does not name on as a generic frame event', () => {
    const { socket, events } = makeSocket();
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    const poll = { type: 'poll', id: 'p1', room: 'general', question: 'Lunch?', options: ['pizza', 'soup'], totals: [0, 0], votes: {}, by: 'ann' };
    ws.receive(poll);
    expect(ofType(events, 'frame')).toEqual([{ type: 'frame', frame: poll }]);
    // Nothing else treats it as one of its own.
    expect(events.filter((e) => e.type !== 'status' && e.type !== 'frame')).toEqual([]);
  });

  it('does not pass on malformed contract frames, non-objects or frames without a string type', () => {
    const { socket, events } = makeSocket();
    socket.join('general');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    ws.receive('{not json');
    ws.receive([{ type: 'poll' }]);
    ws.receive('"poll"');
    ws.receive({ kind: 'poll' });
    ws.receive({ type: 7 });
    ws.receive({ type: '' });
    ws.receive({ type: 'message', id: 'm1', room: 'general' }); // a known type, but broken
    ws.receive({ type: 'presence', room: 'general', users: 'everyone' });
    ws.receive({ type: 'ack', client_id: 'c1' });
    expect(events.filter((e) => e.type !== 'status')).toEqual([]);
  });
});

describe('declared actions', () => {
  it('sends an action with its fields and client_id, pending until its ack', () => {
    const { socket, events } = makeSocket();
    socket.join('general');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    const clientId = socket.sendAction('poll', { room: 'general', question: 'Lunch?', options: ['pizza', 'soup'] });
    expect(clientId).toBe('c1');
    expect(ws.framesOfType('poll')).toEqual([{ type: 'poll', room: 'general', question: 'Lunch?', options: ['pizza', 'soup'], client_id: 'c1' }]);
    expect(socket.outgoing('c1')?.status).toBe('pending');

    ws.receive({ type: 'ack', client_id: 'c1', id: 'E1' });
    expect(socket.outgoing('c1')).toBeUndefined();
    expect(ofType(events, 'ack')).toEqual([{ type: 'ack', clientId: 'c1', id: 'E1' }]);
  });

  it('keeps type and client_id its own whatever the fields say, and refuses built-in types', () => {
    const { socket } = makeSocket();
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    socket.sendAction('poll', { type: 'message', client_id: 'spoof', room: 'general', poll: 'p1', vote: 1 }, 'mine');
    expect(ws.frames()).toEqual([{ type: 'poll', room: 'general', poll: 'p1', vote: 1, client_id: 'mine' }]);
    for (const type of ['message', 'private', 'join', 'leave', 'typing', 'ping']) {
      expect(() => socket.sendAction(type, { room: 'general' })).toThrow('built-in');
    }
    expect(ws.frames()).toHaveLength(1);
  });

  it('marks an action failed on an error with its client_id, and retry re-sends it unchanged', () => {
    const { socket, events } = makeSocket();
    socket.join('general');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    socket.sendAction('poll', { room: 'general', poll: 'p1', vote: 4 });
    ws.receive({ type: 'error', error: 'invalid', detail: 'poll: vote for an option between 0 and 1', client_id: 'c1' });
    expect(socket.outgoing('c1')).toMatchObject({ status: 'failed', error: 'invalid' });
    expect(ofType(events, 'rejected')).toEqual([{ type: 'rejected', clientId: 'c1', error: 'invalid', detail: 'poll: vote for an option between 0 and 1' }]);
    expect(socket.retry('c1')).toBe(true);
    const sent = ws.framesOfType('poll');
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
  });

  it('queues actions while offline and re-sends unacked ones after a reconnect with the same client_id', () => {
    const { socket } = makeSocket();
    socket.join('general');
    socket.sendAction('poll', { room: 'general', question: 'Early?', options: ['yes', 'no'] });
    socket.connect();
    const first = FakeWebSocket.latest();
    first.open();
    expect(first.frames()).toEqual([
      { type: 'join', room: 'general' },
      { type: 'poll', room: 'general', question: 'Early?', options: ['yes', 'no'], client_id: 'c1' },
    ]);
    socket.sendAction('poll', { room: 'general', poll: 'p1', vote: 0 });
    first.receive({ type: 'ack', client_id: 'c1', id: 'E1' });
    first.drop();

    vi.advanceTimersByTime(1_000);
    const second = FakeWebSocket.latest();
    second.open();
    expect(second.frames()).toEqual([
      { type: 'join', room: 'general' },
      { type: 'poll', room: 'general', poll: 'p1', vote: 0, client_id: 'c2' },
    ]);
  });

  it('resolves an action whose delivery and refusal arrive before its ack', () => {
    const { socket, events } = makeSocket();
    socket.join('general');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    socket.sendAction('poll', { room: 'general', poll: 'gone', vote: 0 });
    ws.receive({ type: 'error', error: 'invalid', detail: "poll: there is no poll 'gone' in #general", client_id: 'c1' });
    ws.receive({ type: 'ack', client_id: 'c1', id: 'E1' });
    expect(socket.outgoing('c1')).toBeUndefined();
    expect(events.filter((e) => e.type === 'rejected' || e.type === 'ack').map((e) => e.type)).toEqual(['rejected', 'ack']);
    ws.drop();
    vi.advanceTimersByTime(1_000);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().framesOfType('poll')).toEqual([]);
  });
});

describe('reconnecting', () => {
  it('retries with exponential backoff and jitter, capped, and resets after a success', () => {
    const { socket } = makeSocket();
    socket.connect();
    expect(FakeWebSocket.instances).toHaveLength(1);

    const waits: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      FakeWebSocket.latest().drop(1006);
      const status = socket.status;
      if (status.kind !== 'reconnecting') throw new Error(`expected reconnecting, got ${status.kind}`);
      const wait = status.retryAt - Date.now();
      waits.push(wait);
      const before = FakeWebSocket.instances.length;
      vi.advanceTimersByTime(wait - 1);
      expect(FakeWebSocket.instances).toHaveLength(before); // not a moment early
      vi.advanceTimersByTime(1);
      expect(FakeWebSocket.instances).toHaveLength(before + 1);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);

    FakeWebSocket.latest().open();
    FakeWebSocket.latest().drop(1006);
    const status = socket.status;
    expect(status.kind === 'reconnecting' && status.retryAt - Date.now()).toBe(1_000);
  });

  it('spreads retries with jitter between half and all of the exponential delay', () => {
    expect(backoffDelay(1, 1_000, 30_000, () => 0)).toBe(500);
    expect(backoffDelay(1, 1_000, 30_000, () => 1)).toBe(1_000);
    expect(backoffDelay(3, 1_000, 30_000, () => 0.5)).toBe(3_000);
    expect(backoffDelay(20, 1_000, 30_000, () => 0)).toBe(15_000);

    const { socket } = makeSocket({ random: () => 0 });
    socket.connect();
    FakeWebSocket.latest().drop();
    const status = socket.status;
    expect(status.kind === 'reconnecting' && status.retryAt - Date.now()).toBe(500);
  });

  it('resumes every joined room with since = the last message id seen there', () => {
    const { socket } = makeSocket();
    socket.join('general');
    socket.join('random');
    socket.join('quiet');
    socket.connect();
    const first = FakeWebSocket.latest();
    first.open();
    first.receive(message('01A', 'general'));
    first.receive(message('01B', 'random'));
    first.receive(message('01C', 'general'));
    first.drop();

    vi.advanceTimersByTime(1_000);
    const second = FakeWebSocket.latest();
    expect(second).not.toBe(first);
    second.open();
    expect(second.framesOfType('join')).toEqual([
      { type: 'join', room: 'general', since: '01C' },
      { type: 'join', room: 'random', since: '01B' },
      { type: 'join', room: 'quiet' },
    ]);
  });

  it('resumes from history when no live message was seen, but live ids win', () => {
    const { socket } = makeSocket();
    socket.join('general');
    socket.join('random');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    ws.receive(message('05', 'general'));
    socket.noteSeen('general', '04'); // older history must not move the resume point back
    socket.noteSeen('random', '09');
    ws.drop();
    vi.advanceTimersByTime(1_000);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().framesOfType('join')).toEqual([
      { type: 'join', room: 'general', since: '05' },
      { type: 'join', room: 'random', since: '09' },
    ]);
  });

  it('does not rejoin a room left while disconnected', () => {
    const { socket } = makeSocket();
    socket.join('general');
    socket.join('random');
    socket.connect();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().drop();
    socket.leave('random');
    vi.advanceTimersByTime(1_000);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().frames()).toEqual([{ type: 'join', room: 'general' }]);
  });

  it('stops for good on close code 4401 (bad ticket or token, or the session ended)', () => {
    const { socket } = makeSocket();
    socket.connect();
    FakeWebSocket.latest().drop(4401);
    expect(socket.status).toEqual({ kind: 'offline', reason: 'unauthorized' });
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('disconnect() closes the socket and cancels a scheduled retry', () => {
    const { socket } = makeSocket();
    socket.connect();
    FakeWebSocket.latest().drop();
    socket.disconnect();
    expect(socket.status).toEqual({ kind: 'offline', reason: 'stopped' });
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);

    socket.connect();
    FakeWebSocket.latest().open();
    socket.disconnect();
    expect(FakeWebSocket.latest().closedByClient).toBe(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('reconnectNow() skips the wait', () => {
    const { socket } = makeSocket();
    socket.connect();
    FakeWebSocket.latest().drop();
    socket.reconnectNow();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(socket.status.kind).toBe('connecting');
  });

  it('drops the link when the browser goes offline and reconnects as soon as it is back', () => {
    const network = new EventTarget();
    const { socket } = makeSocket({ network });
    socket.join('general');
    socket.connect();
    const first = FakeWebSocket.latest();
    first.open();
    first.receive(message('m1'));

    network.dispatchEvent(new Event('offline'));
    expect(first.closedByClient).toBe(1000);
    expect(socket.status).toEqual({ kind: 'reconnecting', attempt: 1, retryAt: Date.now() + 1_000 });
    network.dispatchEvent(new Event('offline')); // already down: nothing more happens
    expect(FakeWebSocket.instances).toHaveLength(1);

    network.dispatchEvent(new Event('online'));
    const second = FakeWebSocket.latest();
    expect(second).not.toBe(first);
    second.open();
    expect(second.frames()).toEqual([{ type: 'join', room: 'general', since: 'm1' }]);

    // An attempt that began while the network was down is replaced by a fresh one.
    network.dispatchEvent(new Event('offline'));
    vi.advanceTimersByTime(1_000);
    const doomed = FakeWebSocket.latest();
    expect(socket.status).toEqual({ kind: 'connecting', attempt: 2 });
    network.dispatchEvent(new Event('online'));
    expect(doomed.closedByClient).toBe(1000);
    expect(FakeWebSocket.instances).toHaveLength(4);
    FakeWebSocket.latest().open();
    expect(socket.status).toEqual({ kind: 'online' });

    socket.disconnect();
    network.dispatchEvent(new Event('offline'));
    network.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.instances).toHaveLength(4);
    expect(socket.status).toEqual({ kind: 'offline', reason: 'stopped' });
  });

  it('treats a link that stops answering pings as lost', () => {
    const { socket } = makeSocket({ pingIntervalMs: 1_000, pongTimeoutMs: 500 });
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    vi.advanceTimersByTime(1_000);
    expect(ws.framesOfType('ping')).toHaveLength(1);
    ws.receive({ type: 'pong' });
    vi.advanceTimersByTime(1_000);
    expect(ws.framesOfType('ping')).toHaveLength(2);
    expect(socket.status.kind).toBe('online');
    vi.advanceTimersByTime(500); // no pong this time
    expect(socket.status.kind).toBe('reconnecting');
    expect(ws.closedByClient).toBe(1000);
  });
});

describe('sending', () => {
  it('keeps a message pending until its ack, then reports the server id', () => {
    const { socket, events } = makeSocket();
    socket.join('general');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    const clientId = socket.sendMessage('general', 'hello');
    expect(clientId).toBe('c1');
    expect(ws.framesOfType('message')).toEqual([{ type: 'message', room: 'general', text: 'hello', client_id: 'c1' }]);
    expect(socket.outgoing('c1')?.status).toBe('pending');

    ws.receive({ type: 'ack', client_id: 'c1', id: '01SERVER' });
    expect(socket.outgoing('c1')).toBeUndefined();
    expect(ofType(events, 'ack')).toEqual([{ type: 'ack', clientId: 'c1', id: '01SERVER' }]);
  });

  it('marks a message failed on an error frame with its client_id, and retry re-sends the same client_id', () => {
    const { socket, events } = makeSocket();
    socket.join('general');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    socket.sendMessage('general', 'too fast');
    ws.receive({ type: 'error', error: 'rate_limited', detail: 'Slow down', client_id: 'c1' });
    expect(socket.outgoing('c1')).toMatchObject({ status: 'failed', error: 'rate_limited', detail: 'Slow down' });
    expect(ofType(events, 'rejected')).toEqual([{ type: 'rejected', clientId: 'c1', error: 'rate_limited', detail: 'Slow down' }]);

    expect(socket.retry('c1')).toBe(true);
    expect(socket.outgoing('c1')?.status).toBe('pending');
    const sent = ws.framesOfType('message');
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
    expect(socket.retry('unknown')).toBe(false);
  });

  it('reports an error frame without client_id as a general error', () => {
    const { socket, events } = makeSocket();
    socket.connect();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive({ type: 'error', error: 'not_joined', detail: 'Join the room first' });
    expect(ofType(events, 'error')).toEqual([{ type: 'error', error: 'not_joined', detail: 'Join the room first' }]);
    expect(ofType(events, 'rejected')).toEqual([]);
  });

  it('sends private messages with a client_id', () => {
    const { socket } = makeSocket();
    socket.connect();
    FakeWebSocket.latest().open();
    socket.sendPrivate('carol', 'psst', 'my-id');
    expect(FakeWebSocket.latest().framesOfType('private')).toEqual([{ type: 'private', to: 'carol', text: 'psst', client_id: 'my-id' }]);
    expect(socket.outgoing('my-id')?.status).toBe('pending');
  });

  it('queues what is sent while offline and sends it after the joins once connected', () => {
    const { socket } = makeSocket();
    socket.join('general');
    socket.sendMessage('general', 'early');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    expect(ws.frames()).toEqual([
      { type: 'join', room: 'general' },
      { type: 'message', room: 'general', text: 'early', client_id: 'c1' },
    ]);
  });

  it('re-sends unacked messages after a reconnect with the same client_id, but not acked or failed ones', () => {
    const { socket } = makeSocket();
    socket.join('general');
    socket.connect();
    const first = FakeWebSocket.latest();
    first.open();
    socket.sendMessage('general', 'acked');
    socket.sendMessage('general', 'lost');
    socket.sendPrivate('dora', 'lost too');
    socket.sendMessage('general', 'refused');
    first.receive({ type: 'ack', client_id: 'c1', id: 'S1' });
    first.receive({ type: 'error', error: 'invalid', detail: 'no', client_id: 'c4' });
    first.drop();

    vi.advanceTimersByTime(1_000);
    const second = FakeWebSocket.latest();
    second.open();
    expect(second.frames()).toEqual([
      { type: 'join', room: 'general' },
      { type: 'message', room: 'general', text: 'lost', client_id: 'c2' },
      { type: 'private', to: 'dora', text: 'lost too', client_id: 'c3' },
    ]);
    // The server dedupes by client_id and acks again with the id it gave the first time.
    second.receive({ type: 'ack', client_id: 'c2', id: 'S2' });
    expect(socket.outgoing('c2')).toBeUndefined();
    expect(socket.outgoing('c3')?.status).toBe('pending');
  });
});

describe('receiving', () => {
  it('delivers each message id once, even when a replay overlaps', () => {
    const { socket, events } = makeSocket();
    socket.join('general');
    socket.connect();
    let ws = FakeWebSocket.latest();
    ws.open();
    ws.receive(message('01'));
    ws.receive(message('02'));
    ws.receive(message('02'));
    ws.drop();
    vi.advanceTimersByTime(1_000);
    ws = FakeWebSocket.latest();
    ws.open();
    ws.receive(message('02')); // replayed again after since=02 by an over-eager server
    ws.receive(message('03'));
    expect(ofType(events, 'message').map((e) => e.frame.id)).toEqual(['01', '02', '03']);
  });

  it('delivers private messages once and passes the bot flag through', () => {
    const { socket, events } = makeSocket();
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    const dm = { type: 'private', id: 'P1', from: 'bob', to: 'me', text: 'hi', ts: '2030-01-01T00:00:00Z' };
    ws.receive(dm);
    ws.receive(dm);
    ws.receive({ ...message('M1'), bot: true });
    expect(ofType(events, 'private')).toHaveLength(1);
    expect(ofType(events, 'message')[0]?.frame.bot).toBe(true);
  });

  it('passes presence and typing frames on', () => {
    const { socket, events } = makeSocket();
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    ws.receive({ type: 'presence', room: 'general', users: ['ann', 'bob'] });
    ws.receive({ type: 'typing', room: 'general', user: 'bob' });
    expect(ofType(events, 'presence')[0]?.frame.users).toEqual(['ann', 'bob']);
    expect(ofType(events, 'typing')[0]?.frame.user).toBe('bob');
  });
});

describe('typing', () => {
  it('sends at most one typing frame per room every 2 s', () => {
    const { socket } = makeSocket();
    socket.join('general');
    socket.join('random');
    socket.connect();
    const ws = FakeWebSocket.latest();
    ws.open();
    expect(socket.typing('general')).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(socket.typing('general')).toBe(false);
    expect(socket.typing('random')).toBe(true);
    vi.advanceTimersByTime(999);
    expect(socket.typing('general')).toBe(false);
    vi.advanceTimersByTime(1);
    expect(socket.typing('general')).toBe(true);
    expect(ws.framesOfType('typing')).toEqual([
      { type: 'typing', room: 'general' },
      { type: 'typing', room: 'random' },
      { type: 'typing', room: 'general' },
    ]);
  });

  it('does not send typing while offline or for rooms not joined', () => {
    const { socket } = makeSocket();
    socket.join('general');
    expect(socket.typing('general')).toBe(false);
    socket.connect();
    FakeWebSocket.latest().open();
    expect(socket.typing('elsewhere')).toBe(false);
    expect(FakeWebSocket.latest().framesOfType('typing')).toEqual([]);
  });
});
