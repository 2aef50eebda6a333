import type { ConversationKey } from '@/lib/chat-store';
import { conversationKey } from '@/lib/chat-store';

import type { SearchHit } from './search-api';

/** The hits of one room or conversation, in the order the server gave them (newest first). */
export interface HitGroup {
  key: ConversationKey;
  kind: SearchHit['kind'];
  name: string;
  /** "#lobby" or "@ada". */
  label: string;
  hits: SearchHit[];
}

/**
 * Hits grouped by where they were said; the groups in the order of their first hit (so the
 * group of the newest hit comes first), duplicates (a page that overlaps the last) dropped.
 */
export function groupHits(hits: SearchHit[]): HitGroup[] {
  const groups = new Map<ConversationKey, HitGroup>();
  const seen = new Set<string>();
  for (const hit of hits) {
    if (seen.has(hit.id)) continue;
    seen.add(hit.id);
    const key = conversationKey(hit.kind, hit.name);
    let group = groups.get(key);
    if (!group) {
      group = { key, kind: hit.kind, name: hit.name, label: `${hit.kind === 'room' ? '#' : '@'}${hit.name}`, hits: [] };
      groups.set(key, group);
    }
    group.hits.push(hit);
  }
  return [...groups.values()];
}

/** The hits in the order the list shows them (group by group): what Up and Down walk through. */
export function shownOrder(groups: HitGroup[]): SearchHit[] {
  return groups.flatMap((group) => group.hits);
}
