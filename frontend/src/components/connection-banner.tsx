import type { ConnectionStatus } from '@/lib/socket';
import { useNow } from '@/lib/use-now';

interface ConnectionProps {
  status: ConnectionStatus;
  onReconnectNow?: () => void;
}

/** What the connection is doing, in a few words. */
function statusText(status: ConnectionStatus, now: number): string {
  switch (status.kind) {
    case 'connecting':
      return status.attempt > 1 ? 'Reconnecting…' : 'Connecting…';
    case 'online':
      return 'Online';
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil((status.retryAt - now) / 1000));
      return seconds === 0 ? 'Reconnecting…' : `Reconnecting in ${seconds}s`;
    }
    case 'offline':
      return status.reason === 'unauthorized' ? 'Offline: your session has expired' : 'Offline';
  }
}

const DOT: Record<ConnectionStatus['kind'], string> = {
  connecting: 'bg-slate-400 animate-pulse',
  online: 'bg-emerald-500',
  reconnecting: 'bg-amber-500 animate-pulse',
  offline: 'bg-red-500',
};

/** A compact pill for the header, always shown. */
export function ConnectionBadge({ status }: { status: ConnectionStatus }) {
  const now = useNow(status.kind === 'reconnecting');
  return (
    <span className="flex items-center gap-1.5 rounded-full bg-hover px-2.5 py-1 text-xs font-medium text-muted">
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${DOT[status.kind]}`} />
      {statusText(status, now)}
    </span>
  );
}

/** A full-width bar while the connection is not online, with a countdown to the next try. */
export function ConnectionBanner({ status, onReconnectNow }: ConnectionProps) {
  const now = useNow(status.kind === 'reconnecting');
  if (status.kind === 'online') return null;
  const tone =
    status.kind === 'offline'
      ? 'bg-red-700 text-white'
      : status.kind === 'reconnecting'
        ? 'bg-warn-soft text-warn'
        : 'bg-hover text-fg-2';
  return (
    <div role="status" data-state={status.kind} className={`flex items-center justify-center gap-3 px-4 py-1.5 text-sm ${tone}`}>
      <span>
        {status.kind === 'reconnecting' ? `Connection lost. ${statusText(status, now)}.` : statusText(status, now)}
        {status.kind !== 'offline' && ' Messages you send now go out once connected.'}
      </span>
      {status.kind === 'reconnecting' && onReconnectNow && (
        <button type="button" onClick={onReconnectNow} className="rounded border border-current px-2 py-0.5 text-xs font-semibold hover:bg-warn-soft">
          Reconnect now
        </button>
      )}
    </div>
  );
}
