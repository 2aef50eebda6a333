import type { FunctionInfo } from '@/lib/protocol';

interface FunctionsTableProps {
  functions: FunctionInfo[];
}

function Lag({ lag }: { lag: number }) {
  const tone = lag === 0 ? 'bg-emerald-50 text-emerald-700' : lag < 100 ? 'bg-amber-50 text-amber-700' : 'bg-red-50 text-red-700';
  return <span className={`rounded-full px-2 py-0.5 font-mono text-xs ${tone}`}>{lag}</span>;
}

function Dlq({ dlq }: { dlq: FunctionInfo['dlq'] }) {
  if (dlq === undefined || dlq === null) return <span className="text-slate-300">—</span>;
  const bad = typeof dlq === 'number' ? dlq > 0 : dlq !== '';
  return <span className={`font-mono text-xs ${bad && typeof dlq === 'number' ? 'font-semibold text-red-700' : 'text-slate-600'}`}>{dlq}</span>;
}

export function FunctionsTable({ functions }: FunctionsTableProps) {
  if (functions.length === 0) {
    return <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">No functions are running.</p>;
  }
  const headers = ['Function', 'Trigger', 'Topic', 'Consumer group', 'Replicas', 'Lag', 'DLQ'];
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="min-w-full text-left text-sm">
        <thead className="bg-slate-50 text-xs tracking-wide text-slate-500 uppercase">
          <tr>
            {headers.map((header) => (
              <th key={header} scope="col" className={`px-4 py-3 font-semibold ${header === 'Replicas' || header === 'Lag' || header === 'DLQ' ? 'text-right' : ''}`}>
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {functions.map((fn) => (
            <tr key={fn.name} className="hover:bg-slate-50">
              <th scope="row" className="px-4 py-2.5 font-semibold text-slate-900">
                {fn.name}
              </th>
              <td className="px-4 py-2.5 font-mono text-xs text-slate-600">{fn.trigger}</td>
              <td className="px-4 py-2.5 font-mono text-xs text-slate-600">{fn.topic}</td>
              <td className="px-4 py-2.5 font-mono text-xs text-slate-600">{fn.group}</td>
              <td className="px-4 py-2.5 text-right tabular-nums">{fn.replicas}</td>
              <td className="px-4 py-2.5 text-right">
                <Lag lag={fn.lag} />
              </td>
              <td className="px-4 py-2.5 text-right">
                <Dlq dlq={fn.dlq} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
