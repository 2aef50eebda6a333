import { Component, StrictMode } from 'react';
import type { ErrorInfo, ReactNode } from 'react';

interface BoundaryState {
  error: Error | null;
}

/** Shows a readable page instead of a blank one when rendering throws. */
class ErrorBoundary extends Component<{ children: ReactNode }, BoundaryState> {
  override state: BoundaryState = { error: null };

  static getDerivedStateFromError(error: Error): BoundaryState {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Parley UI crashed', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return <FatalError title="Something went wrong" detail={this.state.error.message} />;
  }
}

export function FatalError({ title, detail }: { title: string; detail: string }) {
  return (
    <main role="alert" className="flex min-h-full flex-col items-center justify-center gap-3 p-8 text-center">
      <h1 className="text-xl font-semibold text-fg">{title}</h1>
      <p className="max-w-lg font-mono text-sm break-words text-danger">{detail}</p>
      <button type="button" onClick={() => window.location.reload()} className="rounded-lg bg-accent-strong px-4 py-2 text-sm font-semibold text-white">
        Reload
      </button>
    </main>
  );
}

export function AppProvider({ children }: { children: ReactNode }) {
  return (
    <StrictMode>
      <ErrorBoundary>{children}</ErrorBoundary>
    </StrictMode>
  );
}
