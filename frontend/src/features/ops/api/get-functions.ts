import type { ApiClient } from '@/lib/api';
import type { FunctionInfo, FunctionsResponse } from '@/lib/protocol';

/** GET /api/functions: every function the runtime runs, with its consumer lag. */
export async function getFunctions(api: ApiClient): Promise<FunctionInfo[]> {
  const body = await api.get<FunctionsResponse>('/api/functions');
  return Array.isArray(body.functions) ? body.functions : [];
}
