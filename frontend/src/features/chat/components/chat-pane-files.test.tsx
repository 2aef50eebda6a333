import { act, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { Conversation } from '@/lib/chat-store';
import { ApiError } from '@/lib/api';
import type { UploadInfo } from '@/lib/files-protocol';

import type { Files } from '../files/files-context';
import { FilesContext } from '../files/files-context';
import type { Upload } from '../files/upload-client';
import { UploadAborted } from '../files/upload-client';
import { createUploadUrls } from '../files/upload-urls';
import { ChatPane } from './chat-pane';

const room: Conversation = { key: 'room:general', kind: 'room', name: 'general', messages: [], outgoing: [], unread: 0, mentions: 0, role: null, topic: '', visibility: null, history: 'idle', hasMore: false, seen: null, divider: null, dividerPending: 0, threads: {}, mentionIds: [] };

interface Started {
  file: File;
  progress: (fraction: number) => void;
  resolve: (info: UploadInfo) => void;
  reject: (error: Error) => void;
  abort: ReturnType<typeof vi.fn>;
}

/** An upload client whose uploads the test finishes, fails or sees aborted. */
function fakeFiles(): { files: Files; started: Started[] } {
  const started: Started[] = [];
  const upload = (file: File, onProgress?: (fraction: number) => void): Upload => {
    let resolve: (info: UploadInfo) => void = () => undefined;
    let reject: (error: Error) => void = () => undefined;
    const done = new Promise<UploadInfo>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    const abort = vi.fn(() => reject(new UploadAborted()));
    started.push({ file, progress: (fraction) => onProgress?.(fraction), resolve, reject, abort });
    return { done, abort };
  };
  return { files: { uploads: { upload }, urls: createUploadUrls({ get: vi.fn() as never }) }, started };
}

const stored = (id: string, file: File): UploadInfo => ({ id, name: file.name, size: file.size, type: file.type, url: `/files/${id}?exp=9999999999&sig=s` });

function setup() {
  const { files, started } = fakeFiles();
  const onSend = vi.fn((): string | null => null);
  render(
    <FilesContext value={files}>
      <ChatPane me="me" conversation={room} onSend={onSend} onRetry={vi.fn()} onLoadOlder={vi.fn()} />
    </FilesContext>,
  );
  return { started, onSend, box: screen.getByRole('textbox', { name: 'Message' }) };
}

const chips = () => within(screen.getByRole('list', { name: 'Files to send' })).getAllByRole('listitem');

describe('ChatPane attachments', () => {
  it('uploads a picked file with progress, waits for it, then sends it without text', async () => {
    const { started, onSend, box } = setup();
    const file = new File(['%PDF'], 'plan.pdf', { type: 'application/pdf' });
    await userEvent.upload(screen.getByTestId('file-picker'), file);
    expect(started.map((s) => s.file)).toEqual([file]);
    act(() => started[0]!.progress(0.5));
    expect(chips()[0]).toHaveTextContent('plan.pdf4 B50%');

    // Still uploading: Enter explains instead of sending.
    await userEvent.type(box, '{Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent('Wait until the files are uploaded');

    await act(() => {
      started[0]!.resolve(stored('u1', file));
      return Promise.resolve();
    });
    expect(chips()[0]).toHaveAttribute('data-status', 'done');
    expect(screen.getByRole('button', { name: 'Send' })).toBeEnabled();
    await userEvent.type(box, '{Enter}');
    expect(onSend).toHaveBeenCalledExactlyOnceWith('', undefined, [{ id: 'u1', name: 'plan.pdf', size: 4, type: 'application/pdf' }]);
    expect(screen.queryByRole('list', { name: 'Files to send' })).toBeNull();
  });

  it('takes images pasted into the box and files dropped on the chat; removing one cancels its upload', async () => {
    const { started } = setup();
    const image = new File(['png'], 'shot.png', { type: 'image/png' });
    fireEvent.paste(screen.getByRole('textbox', { name: 'Message' }), { clipboardData: { files: [image], types: ['Files'] } });
    const dropped = new File(['zip'], 'all.zip', { type: 'application/zip' });
    const zone = screen.getByTestId('chat-drop-zone');
    fireEvent.dragEnter(zone, { dataTransfer: { files: [dropped], types: ['Files'] } });
    expect(screen.getByText('Drop files to attach them')).toBeInTheDocument();
    fireEvent.drop(zone, { dataTransfer: { files: [dropped], types: ['Files'] } });
    expect(screen.queryByText('Drop files to attach them')).toBeNull();
    expect(started.map((s) => s.file.name)).toEqual(['shot.png', 'all.zip']);

    await userEvent.click(screen.getByRole('button', { name: 'Cancel upload of shot.png' }));
    expect(started[0]!.abort).toHaveBeenCalledOnce();
    expect(chips().map((chip) => chip.textContent.startsWith('all.zip'))).toEqual([true]);
  });

  it('shows why an upload was refused (too large) and sends the text without it', async () => {
    const { started, onSend, box } = setup();
    await userEvent.upload(screen.getByTestId('file-picker'), new File(['x'], 'huge.iso'));
    await act(() => {
      started[0]!.reject(new ApiError(413, 'too_large', 'huge.iso is too large to send.'));
      return Promise.resolve();
    });
    expect(chips()[0]).toHaveAttribute('data-status', 'failed');
    expect(screen.getByRole('alert')).toHaveTextContent('huge.iso is too large to send.');
    await userEvent.type(box, 'just text{Enter}');
    expect(onSend).toHaveBeenCalledExactlyOnceWith('just text');
  });
});
