import type { ApiClient } from '@/lib/api';

import { REFRESH_MS, useFunctions } from '../hooks/use-functions';
import { FunctionsTable } from './functions-table';

interface OpsPageProps {
  api: ApiClient;
  intervalMs?: number;
}

export function OpsPage({ api, intervalMs = REFRESH_MS }: OpsPageProps) {
  const { functions, error, updatedAt, forbidden } = useFunctions(api, intervalMs);
  if (forbidden) {
    return (
      <main className="mx-auto w-full max-w-6xl flex-1 overflow-y-auto px-6 py-8">
        <h1 className="text-2xl font-semibold text-fg">Functions</h1>
        <p role="alert" className="mt-4 max-w-xl rounded-lg bg-warn-soft px-4 py-3 text-sm text-warn">
          The Ops page is for server admins only, and you are not one. An admin can grant you access with{' '}
          <code className="rounded bg-hover px-1">parley admin grant USER</code>.
        </p>
        <p className="mt-4 text-sm">
          <a href="#/" className="font-medium text-accent underline">
            Back to the chat
          </a>
        </p>
      </main>
    );
  }
  return (
    <main className="mx-auto w-full max-w-6xl flex-1 overflow-y-auto px-6 py-8">
      <div className="mb-6 flex items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold text-fg">Functions</h1>
          <p className="mt-1 text-sm text-muted">
            Every handler in <code className="rounded bg-hover px-1">functions/</code>, its Kafka trigger and how far its
            consumer group is behind. Refreshed every {Math.round(intervalMs / 1000)} s.
          </p>
        </div>
        <p className="shrink-0 text-xs text-muted">
          {updatedAt ? `Updated ${new Date(updatedAt).toLocaleTimeString()}` : 'Loading…'}
        </p>
      </div>
      {error && (
        <p role="alert" className="mb-4 rounded-lg bg-danger-soft px-4 py-2 text-sm text-danger">
          Could not refresh: {error}
        </p>
      )}
      {functions && <FunctionsTable functions={functions} />}
    </main>
  );
}
