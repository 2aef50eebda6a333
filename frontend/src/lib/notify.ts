/**
 * Browser notifications for mentions while the tab is hidden. Permission is asked only on a
 * user gesture (the "Enable notifications" button): browsers ignore or penalise asking on load.
 */
export type NotifyPermission = NotificationPermission | 'unsupported';

export function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks for permission (call from a click handler); resolves with the answer. */
export async function requestNotifyPermission(): Promise<NotifyPermission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

/** Shows a notification when the page is hidden and permission was granted; `onClick` focuses the tab. */
export function notifyHidden(title: string, body: string, onClick?: () => void): boolean {
  if (typeof document === 'undefined' || !document.hidden || notifyPermission() !== 'granted') return false;
  try {
    const notification = new Notification(title, { body, tag: title });
    notification.onclick = () => {
      window.focus();
      onClick?.();
      notification.close();
    };
    return true;
  } catch {
    return false; // some browsers only allow notifications from a service worker
  }
}
