/**
 * The REST side of rooms and people (docs/PROTOCOL.md, "v2: rooms and people"): your sidebar,
 * the room browser, a room's members and moderation, and the user search.
 */
import type { ApiClient } from '@/lib/api';
import type {
  CreatedRoom,
  MeResponse,
  Member,
  MembersResponse,
  NewRoom,
  RoomPage,
  RoomRole,
  UserMatch,
  UsersResponse,
} from '@/lib/protocol';

const path = (...parts: string[]) => `/api/${parts.map(encodeURIComponent).join('/')}`;

/** GET /api/me: who you are (as registered), whether you are a server admin, your rooms and conversations. */
export async function getMe(api: ApiClient): Promise<MeResponse> {
  const body = await api.get<Partial<MeResponse>>('/api/me');
  return {
    username: typeof body.username === 'string' ? body.username : '',
    admin: body.admin === true,
    rooms: Array.isArray(body.rooms) ? body.rooms : [],
    conversations: Array.isArray(body.conversations) ? body.conversations : [],
  };
}

export const ROOM_PAGE = 20;

/** GET /api/rooms?q=&cursor=&limit=: public rooms and your private ones, a page at a time. */
export async function searchRooms(api: ApiClient, q: string, cursor?: string): Promise<RoomPage> {
  const body = await api.get<Partial<RoomPage>>('/api/rooms', { q, cursor, limit: ROOM_PAGE });
  const page: RoomPage = { rooms: Array.isArray(body.rooms) ? body.rooms : [] };
  if (typeof body.next === 'string' && body.next !== '') page.next = body.next;
  return page;
}

/** POST /api/rooms: a new room, owned by you. */
export function createRoom(api: ApiClient, room: NewRoom): Promise<CreatedRoom> {
  return api.post<CreatedRoom>('/api/rooms', room);
}

/** GET /api/rooms/{room}/members. */
export async function getMembers(api: ApiClient, room: string): Promise<Member[]> {
  const body = await api.get<Partial<MembersResponse>>(path('rooms', room, 'members'));
  return Array.isArray(body.members) ? body.members : [];
}

/** POST /api/rooms/{room}/members: adds (invites) someone; owners and admins only. */
export function addMember(api: ApiClient, room: string, username: string): Promise<{ username: string; role: RoomRole }> {
  return api.post(path('rooms', room, 'members'), { username });
}

/** DELETE /api/rooms/{room}/members/{user}: removes someone, or with your own name leaves for good. */
export function removeMember(api: ApiClient, room: string, username: string): Promise<void> {
  return api.delete(path('rooms', room, 'members', username));
}

/** PUT /api/rooms/{room}/members/{user}: the owner makes someone an admin or a member. */
export function setRole(api: ApiClient, room: string, username: string, role: Exclude<RoomRole, 'owner'>): Promise<{ username: string; role: RoomRole }> {
  return api.put(path('rooms', room, 'members', username), { role });
}

/** POST /api/rooms/{room}/bans: removes someone for good (they cannot rejoin). */
export function banMember(api: ApiClient, room: string, username: string): Promise<unknown> {
  return api.post(path('rooms', room, 'bans'), { username });
}

/** GET /api/users?q=: people to start a conversation with. */
export async function searchUsers(api: ApiClient, q: string): Promise<UserMatch[]> {
  const body = await api.get<Partial<UsersResponse>>('/api/users', { q });
  return Array.isArray(body.users) ? body.users : [];
}

/** The registered form of `name` (names are unique regardless of case), or null when nobody has it. */
export async function findUser(api: ApiClient, name: string): Promise<UserMatch | null> {
  const users = await searchUsers(api, name);
  return users.find((user) => user.username.toLowerCase() === name.toLowerCase()) ?? null;
}
