import { useState } from 'react';

import { FileIcon } from '@/components/icons';
import type { Attachment } from '@/lib/files-protocol';
import { humanSize, isImage } from '@/lib/files-protocol';

import { THUMB_BOX, thumbSize } from '../files/thumb-size';
import { useUploadInfo } from '../files/use-upload-info';
import { Lightbox } from './lightbox';

/** An image's thumbnail: a button that opens the lightbox, its size fixed before it loads. */
function Thumbnail({ image, onOpen }: { image: Attachment; onOpen: () => void }) {
  const { info, failed, refresh } = useUploadInfo(image.id);
  const size = thumbSize(image.width ?? THUMB_BOX, image.height ?? THUMB_BOX);
  return (
    <button
      type="button"
      onClick={onOpen}
      aria-label={`Open image ${image.name}`}
      data-testid="attachment-image"
      className="block max-w-full overflow-hidden rounded-lg border border-line bg-panel hover:opacity-90 focus-visible:ring-2 focus-visible:ring-accent"
      style={{ width: size.width, aspectRatio: `${size.width} / ${size.height}` }}
    >
      {info ? (
        <img src={info.thumb ?? info.url} alt={image.name} width={size.width} height={size.height} onError={refresh} className="h-full w-full object-cover" />
      ) : (
        <span className="flex h-full items-center justify-center p-2 text-xs text-muted">{failed ? 'Image unavailable' : 'Loading…'}</span>
      )}
    </button>
  );
}

/** Any other file: its name, size and a download link. */
export function FileChip({ file }: { file: Attachment }) {
  const { info } = useUploadInfo(file.id);
  return (
    <span data-testid="attachment-file" className="inline-flex max-w-full items-center gap-2 rounded-lg border border-line bg-panel px-2.5 py-1.5 text-sm">
      <FileIcon />
      <span className="min-w-0 truncate font-medium text-fg">{file.name}</span>
      <span className="shrink-0 text-xs text-muted">{humanSize(file.size)}</span>
      {info ? (
        <a href={info.url} download={file.name} aria-label={`Download ${file.name}`} className="shrink-0 text-xs font-semibold text-accent hover:underline">
          Download
        </a>
      ) : null}
    </span>
  );
}

/** The files a message carries: images inline (the lightbox on click), other files as chips. */
export function MessageAttachments({ attachments }: { attachments: Attachment[] }) {
  const [open, setOpen] = useState<number | null>(null);
  const images = attachments.filter(isImage);
  const others = attachments.filter((a) => !isImage(a));
  return (
    <div data-testid="attachments" className="mt-1 flex flex-col gap-1.5">
      {images.length > 0 && (
        <div className="flex flex-wrap gap-1.5">
          {images.map((image, index) => (
            <Thumbnail key={image.id} image={image} onOpen={() => setOpen(index)} />
          ))}
        </div>
      )}
      {others.length > 0 && (
        <div className="flex flex-wrap gap-1.5">
          {others.map((file) => (
            <FileChip key={file.id} file={file} />
          ))}
        </div>
      )}
      {open !== null && <Lightbox images={images} index={open} onIndex={setOpen} onClose={() => setOpen(null)} />}
    </div>
  );
}
