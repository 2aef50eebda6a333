import { useEffect, useId, useRef } from 'react';
import type { KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';

import type { Attachment } from '@/lib/files-protocol';
import { humanSize } from '@/lib/files-protocol';

import { trapTab } from '../files/focus-trap';
import { useUploadInfo } from '../files/use-upload-info';

interface LightboxProps {
  images: Attachment[];
  index: number;
  onIndex: (index: number) => void;
  onClose: () => void;
}

const BUTTON = 'rounded-md bg-white/10 px-3 py-1.5 text-sm font-medium text-white hover:bg-white/20 disabled:opacity-40';

/**
 * An image at full size over the page. Esc closes, Left/Right go through the message's images,
 * Tab stays inside; focus goes back where it was on close. Named after the image.
 */
export function Lightbox({ images, index, onIndex, onClose }: LightboxProps) {
  const ids = useId();
  const panel = useRef<HTMLDivElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const image = images[index];
  const { info, failed, refresh } = useUploadInfo(image?.id ?? '');
  const many = images.length > 1;

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeButton.current?.focus();
    return () => previous?.focus();
  }, []);

  if (!image) return null;
  const go = (delta: number) => onIndex((index + delta + images.length) % images.length);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    } else if (event.key === 'ArrowRight' && many) {
      event.preventDefault();
      go(1);
    } else if (event.key === 'ArrowLeft' && many) {
      event.preventDefault();
      go(-1);
    } else if (panel.current) {
      trapTab(panel.current, event);
    }
  }

  const label = many ? `${image.name} (image ${index + 1} of ${images.length})` : image.name;
  return createPortal(
    <div className="fixed inset-0 z-[60] flex flex-col bg-slate-950/90" onClick={onClose}>
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        aria-label={label}
        aria-describedby={`${ids}-size`}
        className="flex min-h-0 flex-1 flex-col"
        onKeyDown={onKeyDown}
        onClick={(event) => event.stopPropagation()}
      >
        <div className="flex items-center gap-2 px-3 py-2 text-white">
          <p className="min-w-0 flex-1 truncate text-sm font-semibold">
            {image.name} <span id={`${ids}-size`} className="font-normal text-slate-300">{humanSize(image.size)}</span>
          </p>
          {info && (
            <a href={info.url} download={image.name} className={BUTTON}>
              Download
            </a>
          )}
          <button ref={closeButton} type="button" onClick={onClose} className={BUTTON}>
            Close
          </button>
        </div>
        <div className="relative flex min-h-0 flex-1 items-center justify-center p-2 sm:p-6" onClick={onClose}>
          {info ? (
            <img
              src={info.url}
              alt={image.name}
              width={image.width}
              height={image.height}
              onError={refresh}
              onClick={(event) => event.stopPropagation()}
              className="h-auto max-h-full w-auto max-w-full object-contain"
            />
          ) : (
            <p className="text-sm text-slate-200">{failed ? 'This image could not be loaded.' : 'Loading…'}</p>
          )}
        </div>
        {many && (
          <div className="flex items-center justify-center gap-3 px-3 py-2">
            <button type="button" onClick={() => go(-1)} className={BUTTON} aria-label="Previous image">
              ←
            </button>
            <span className="text-sm text-slate-200" aria-live="polite">
              {index + 1} / {images.length}
            </span>
            <button type="button" onClick={() => go(1)} className={BUTTON} aria-label="Next image">
              →
            </button>
          </div>
        )}
      </div>
    </div>,
    document.body,
  );
}
