import { useState } from 'react';

import type { NotifyPermission } from '@/lib/notify';
import { notifyPermission, requestNotifyPermission } from '@/lib/notify';

/**
 * "Enable notifications": asks the browser for permission on this click (never on load), so a
 * mention can notify while the tab is hidden. Shown only while the browser has not been asked.
 */
export function NotificationsButton() {
  const [permission, setPermission] = useState<NotifyPermission>(() => notifyPermission());
  if (permission !== 'default') return null;
  return (
    <button
      type="button"
      onClick={() => {
        void requestNotifyPermission().then(setPermission, () => setPermission('denied'));
      }}
      title="Get a notification when someone mentions you while this tab is hidden"
      className="hidden shrink-0 rounded-md border border-line-strong px-2.5 py-1 text-sm whitespace-nowrap text-fg-2 hover:bg-hover sm:inline"
    >
      Enable notifications
    </button>
  );
}
