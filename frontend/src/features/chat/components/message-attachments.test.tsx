import { act, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import type { Attachment, UploadInfo } from '@/lib/files-protocol';

import type { Files } from '../files/files-context';
import { FilesContext } from '../files/files-context';
import { createUploadUrls } from '../files/upload-urls';
import { MessageAttachments } from './message-attachments';

const images: Attachment[] = [
  { id: 'a', name: 'first.png', size: 2048, type: 'image/png', width: 1200, height: 600 },
  { id: 'b', name: 'second.jpg', size: 4096, type: 'image/jpeg', width: 100, height: 400 },
];
const pdf: Attachment = { id: 'c', name: 'report.pdf', size: 3 * 1024 * 1024, type: 'application/pdf' };

function files(): { value: Files; get: ReturnType<typeof vi.fn> } {
  let round = 0;
  const get = vi.fn((path: string) => {
    round += 1;
    const id = path.split('/').at(-1) ?? '';
    const info: UploadInfo = { ...[...images, pdf].find((a) => a.id === id)!, url: `/files/${id}?exp=9999999999&sig=${round}`, thumb: `/files/${id}/thumb?exp=9999999999&sig=${round}` };
    return Promise.resolve(info as unknown);
  });
  return { value: { uploads: { upload: vi.fn() }, urls: createUploadUrls({ get: get as never }) }, get };
}

async function show(attachments: Attachment[]) {
  const services = files();
  render(
    <FilesContext value={services.value}>
      <button type="button">before</button>
      <MessageAttachments attachments={attachments} />
    </FilesContext>,
  );
  await act(() => Promise.resolve());
  return services;
}

describe('MessageAttachments', () => {
  it('draws thumbnails at their final size before they load, and other files as chips with a download link', async () => {
    await show([...images, pdf]);
    const first = screen.getByRole('img', { name: 'first.png' });
    expect([first.getAttribute('width'), first.getAttribute('height')]).toEqual(['240', '120']);
    const second = screen.getByRole('img', { name: 'second.jpg' });
    expect([second.getAttribute('width'), second.getAttribute('height')]).toEqual(['60', '240']);
    expect(first).toHaveAttribute('src', '/files/a/thumb?exp=9999999999&sig=1');
    const chip = screen.getByTestId('attachment-file');
    expect(chip).toHaveTextContent('report.pdf3 MB');
    const link = await within(chip).findByRole('link');
    expect(link).toHaveAccessibleName('Download report.pdf');
    expect(link).toHaveAttribute('href', expect.stringContaining('/files/c?'));
  });

  it('fetches fresh URLs when an image fails to load', async () => {
    const { get } = await show([images[0]!]);
    expect(get).toHaveBeenCalledTimes(1);
    fireEvent.error(screen.getByRole('img', { name: 'first.png' }));
    await act(() => Promise.resolve());
    expect(get).toHaveBeenCalledTimes(2);
    expect(screen.getByRole('img', { name: 'first.png' })).toHaveAttribute('src', '/files/a/thumb?exp=9999999999&sig=2');
  });

  it('opens a lightbox named after the image: arrows go through the images, Tab stays inside, Esc closes and gives the focus back', async () => {
    await show(images);
    const thumb = screen.getByRole('button', { name: 'Open image first.png' });
    await userEvent.click(thumb);
    const dialog = screen.getByRole('dialog', { name: 'first.png (image 1 of 2)' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(screen.getByRole('button', { name: 'Close' })).toHaveFocus();

    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByRole('dialog', { name: 'second.jpg (image 2 of 2)' })).toBeInTheDocument();
    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByRole('dialog', { name: 'first.png (image 1 of 2)' })).toBeInTheDocument();
    await userEvent.keyboard('{ArrowLeft}');
    expect(screen.getByRole('dialog', { name: 'second.jpg (image 2 of 2)' })).toBeInTheDocument();

    // Tab from the last control comes back to the first; Shift+Tab from the first goes to the last.
    await act(() => Promise.resolve());
    const focusable = [...screen.getByRole('dialog').querySelectorAll<HTMLElement>('a[href], button')];
    focusable.at(-1)!.focus();
    await userEvent.tab();
    expect(focusable[0]).toHaveFocus();
    await userEvent.tab({ shift: true });
    expect(focusable.at(-1)).toHaveFocus();

    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(thumb).toHaveFocus();
  });
});
