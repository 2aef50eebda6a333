import type { ApiClient } from '@/lib/api';
import type { PresenceResponse } from '@/lib/protocol';

/** GET /api/rooms/{room}/presence: who is in the room now. */
export async function getPresence(api: ApiClient, room: string): Promise<string[]> {
  const body = await api.get<PresenceResponse>(`/api/rooms/${encodeURIComponent(room)}/presence`);
  return Array.isArray(body.users) ? body.users.filter((user) => typeof user === 'string') : [];
}
