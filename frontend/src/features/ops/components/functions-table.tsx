import type { FunctionInfo, FunctionState } from '@/lib/protocol';

interface FunctionsTableProps {
  functions: FunctionInfo[];
}

function Lag({ lag }: { lag: number }) {
  const tone = lag === 0 ? 'bg-emerald-50 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300' : lag < 100 ? 'bg-warn-soft text-warn' : 'bg-danger-soft text-danger';
  return <span className={`rounded-full px-2 py-0.5 font-mono text-xs ${tone}`}>{lag}</span>;
}

function Dlq({ dlq }: { dlq: FunctionInfo['dlq'] }) {
  if (dlq === undefined || dlq === null) return <span className="text-muted">—</span>;
  const bad = typeof dlq === 'number' ? dlq > 0 : dlq !== '';
  return <span className={`font-mono text-xs ${bad && typeof dlq === 'number' ? 'font-semibold text-danger' : 'text-muted'}`}>{dlq}</span>;
}

/** What narrows the function's events or groups them: its filter, batch size and age limit. */
function TriggerOptions({ fn }: { fn: FunctionInfo }) {
  const shown = [
    fn.match ? `match ${JSON.stringify(fn.match)}` : null,
    fn.options?.batch ? `batch ${fn.options.batch} / ${fn.options.window ?? '0'} s` : null,
    fn.options?.max_age ? `max_age ${fn.options.max_age} s` : null,
  ].filter((item): item is string => item !== null);
  if (shown.length === 0) return null;
  return (
    <ul className="mt-1 space-y-0.5 text-[11px] break-all text-muted">
      {shown.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}

const STATES: Record<FunctionState, { label: string; tone: string; hint: string }> = {
  running: { label: 'running', tone: 'bg-emerald-50 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300', hint: 'Its replicas are consuming.' },
  asleep: { label: 'asleep', tone: 'bg-panel text-muted ring-1 ring-line-strong', hint: 'No replica while idle: the next event it wants wakes it.' },
  stopped: { label: 'stopped', tone: 'bg-danger-soft text-danger', hint: 'No replica, though it should run.' },
  unknown: { label: 'unknown', tone: 'bg-panel text-muted', hint: 'A share group: its members cannot be asked from here.' },
};

function State({ state }: { state: FunctionInfo['state'] }) {
  if (state === undefined || !(state in STATES)) return <span className="text-muted">—</span>;
  const { label, tone, hint } = STATES[state];
  return (
    <span title={hint} className={`rounded-full px-2 py-0.5 text-xs font-medium ${tone}`}>
      {label}
    </span>
  );
}

export function FunctionsTable({ functions }: FunctionsTableProps) {
  if (functions.length === 0) {
    return <p className="rounded-lg border border-dashed border-line-strong p-6 text-center text-sm text-muted">No functions are running.</p>;
  }
  const headers = ['Function', 'State', 'Trigger', 'Topic', 'Consumer group', 'Replicas', 'Lag', 'DLQ', 'Next run'];
  return (
    // Focusable: on a narrow screen the table scrolls sideways, and a keyboard must be able to.
    <div tabIndex={0} role="region" aria-label="Functions table" className="overflow-x-auto rounded-xl border border-line bg-surface shadow-sm">
      <table className="min-w-full text-left text-sm">
        <thead className="bg-panel text-xs tracking-wide text-muted uppercase">
          <tr>
            {headers.map((header) => (
              <th key={header} scope="col" className={`px-4 py-3 font-semibold ${header === 'Replicas' || header === 'Lag' || header === 'DLQ' ? 'text-right' : ''}`}>
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-line">
          {functions.map((fn) => (
            <tr key={fn.name} className="hover:bg-hover">
              <th scope="row" className="px-4 py-2.5 font-semibold text-fg">
                {fn.name}
              </th>
              <td className="px-4 py-2.5">
                <State state={fn.state} />
              </td>
              <td className="px-4 py-2.5 font-mono text-xs text-muted">
                {fn.trigger}
                <TriggerOptions fn={fn} />
              </td>
              <td className="px-4 py-2.5 font-mono text-xs text-muted">{fn.topic}</td>
              <td className="px-4 py-2.5 font-mono text-xs text-muted">{fn.group}</td>
              <td className="px-4 py-2.5 text-right tabular-nums">{fn.replicas}</td>
              <td className="px-4 py-2.5 text-right">
                <Lag lag={fn.lag} />
              </td>
              <td className="px-4 py-2.5 text-right">
                <Dlq dlq={fn.dlq} />
              </td>
              <td className="px-4 py-2.5 text-xs whitespace-nowrap text-muted">
                {fn.next_run ? <time dateTime={fn.next_run} title={fn.schedule ?? undefined}>{new Date(fn.next_run).toLocaleString()}</time> : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
