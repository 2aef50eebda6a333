import type { Segment } from '../search-api';

/** A hit's snippet: the matched words in <mark>, everything as text (never as HTML). */
export function HighlightedText({ segments }: { segments: Segment[] }) {
  return (
    <>
      {segments.map((segment, index) =>
        segment.match ? (
          <mark key={index} className="rounded-sm bg-amber-200 px-0.5 text-amber-950 dark:bg-amber-400 dark:text-slate-950">
            {segment.text}
          </mark>
        ) : (
          <span key={index}>{segment.text}</span>
        ),
      )}
    </>
  );
}
