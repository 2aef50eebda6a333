import { describe, expect, it } from 'vitest';

import { humanSize, isImage, parseUploadInfo, resolveUrl } from './files-protocol';
import { parsePrivateMessage, parseRoomMessage } from './protocol';

describe('attachments on the wire', () => {
  it('come with room and direct messages, dropping malformed entries and a size that is not positive', () => {
    const message = parseRoomMessage({
      id: 'm1', room: 'lobby', user: 'ada', text: '', ts: 't',
      attachments: [
        { id: 'a', name: 'cat.png', size: 10, type: 'image/png', width: 4, height: 3 },
        { id: 'b', name: 'x.bin', size: 2, type: 'application/octet-stream', width: 0, height: 3 },
        { id: 'c', name: 'broken' },
      ],
    });
    expect(message?.attachments).toEqual([
      { id: 'a', name: 'cat.png', size: 10, type: 'image/png', width: 4, height: 3 },
      { id: 'b', name: 'x.bin', size: 2, type: 'application/octet-stream' },
    ]);
    expect(message && message.attachments?.map(isImage)).toEqual([true, false]);
    expect(parsePrivateMessage({ id: 'p', from: 'a', to: 'b', text: 'hi', ts: 't' })).not.toHaveProperty('attachments');
  });

  it('an upload needs its url; a path resolves against the gateway origin', () => {
    expect(parseUploadInfo({ id: 'a', name: 'n', size: 1, type: 'text/plain' })).toBeNull();
    expect(parseUploadInfo({ id: 'a', name: 'n', size: 1, type: 'text/plain', url: '/files/a?exp=1&sig=s' })).toEqual({ id: 'a', name: 'n', size: 1, type: 'text/plain', url: '/files/a?exp=1&sig=s' });
    expect(resolveUrl('/files/a', 'https://gw')).toBe('https://gw/files/a');
    expect(resolveUrl('/files/a', '')).toBe('/files/a');
    expect(resolveUrl('https://cdn/files/a', 'https://gw')).toBe('https://cdn/files/a');
  });

  it('sizes read as people read them', () => {
    expect([0, 1023, 1024, 1536, 10 * 1024, 5 * 1024 * 1024 + 1, 3 * 1024 ** 3].map(humanSize)).toEqual(['0 B', '1023 B', '1 KB', '1.5 KB', '10 KB', '5 MB', '3 GB']);
  });
});
