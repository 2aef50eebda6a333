import { describe, expect, it } from 'vitest';

import type { PendingAction, PendingAttachment } from './pending-attachments';
import { pendingReducer, readyUploads, stillUploading } from './pending-attachments';

const run = (actions: PendingAction[]) => actions.reduce<PendingAttachment[]>(pendingReducer, []);
const upload = { id: 'u1', name: 'a.png', size: 10, type: 'image/png', width: 2, height: 2 };

describe('pendingReducer', () => {
  it('follows a file from uploading (progress only grows) to uploaded', () => {
    const state = run([
      { type: 'added', key: 'k1', name: 'a.png', size: 10 },
      { type: 'progressed', key: 'k1', progress: 0.5 },
      { type: 'progressed', key: 'k1', progress: 0.2 },
    ]);
    expect(state).toEqual([{ key: 'k1', name: 'a.png', size: 10, status: 'uploading', progress: 0.5 }]);
    expect(stillUploading(state)).toBe(true);
    expect(readyUploads(state)).toEqual([]);
    const done = pendingReducer(state, { type: 'uploaded', key: 'k1', upload });
    expect(done[0]).toMatchObject({ status: 'done', progress: 1, upload });
    expect(stillUploading(done)).toBe(false);
    expect(readyUploads(done)).toEqual([upload]);
  });

  it('keeps a failure with its reason, removes one file, and clears all after sending', () => {
    const state = run([
      { type: 'added', key: 'k1', name: 'a.png', size: 10 },
      { type: 'added', key: 'k2', name: 'big.zip', size: 99 },
      { type: 'uploaded', key: 'k1', upload },
      { type: 'failed', key: 'k2', error: 'big.zip is too large to send.' },
    ]);
    expect(state.map((item) => [item.key, item.status, item.error])).toEqual([
      ['k1', 'done', undefined],
      ['k2', 'failed', 'big.zip is too large to send.'],
    ]);
    expect(readyUploads(state)).toEqual([upload]);
    expect(pendingReducer(state, { type: 'removed', key: 'k2' }).map((item) => item.key)).toEqual(['k1']);
    expect(pendingReducer(state, { type: 'cleared' })).toEqual([]);
  });

  it('ignores news of a file no longer there (removed while uploading)', () => {
    const state = run([{ type: 'added', key: 'k1', name: 'a.png', size: 10 }, { type: 'removed', key: 'k1' }]);
    expect(pendingReducer(state, { type: 'uploaded', key: 'k1', upload })).toBe(state);
    expect(pendingReducer(state, { type: 'progressed', key: 'k1', progress: 1 })).toBe(state);
  });
});
