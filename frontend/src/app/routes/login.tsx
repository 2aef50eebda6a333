import { authenticate } from '@/features/auth/api/auth';
import type { AuthMode } from '@/features/auth/api/auth';
import { ThemeToggle } from '@/components/theme-toggle';
import { LoginForm } from '@/features/auth/components/login-form';
import type { ApiClient } from '@/lib/api';
import type { Credentials } from '@/lib/protocol';
import type { Session } from '@/lib/session';

interface LoginRouteProps {
  api: ApiClient;
  onSignedIn: (session: Session) => void;
}

export function LoginRoute({ api, onSignedIn }: LoginRouteProps) {
  async function submit(mode: AuthMode, credentials: Credentials) {
    onSignedIn(await authenticate(api, mode, credentials));
  }
  return (
    <main className="relative flex min-h-full flex-col items-center justify-center gap-8 bg-gradient-to-br from-slate-100 via-white to-indigo-50 dark:from-slate-950 dark:via-slate-900 dark:to-indigo-950 px-4 py-12">
      <ThemeToggle className="absolute top-3 right-3" />
      <div className="flex items-center gap-3">
        <img src="/favicon.svg" alt="" className="h-10 w-10" />
        <div>
          <p className="text-2xl font-bold tracking-tight text-fg">Parley</p>
          <p className="text-sm text-muted">Real-time rooms, direct messages and bots.</p>
        </div>
      </div>
      <LoginForm onSubmit={submit} />
    </main>
  );
}
