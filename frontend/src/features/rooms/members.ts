import type { Member, RoomRole } from '@/lib/protocol';

/** Whether you may remove or ban `target`: owners act on everyone else, admins on plain members. */
export function canModerate(myRole: RoomRole | null, target: Member): boolean {
  if (myRole === 'owner') return target.role !== 'owner';
  if (myRole === 'admin') return target.role === 'member';
  return false;
}
