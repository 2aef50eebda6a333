import { useEffect, useRef, useState } from 'react';

import { messageProblem } from '@/lib/validation';

interface MessageEditorProps {
  text: string;
  onSave: (text: string) => void;
  onCancel: () => void;
}

/** Edits a message in place: Enter saves, Shift+Enter adds a line, Escape cancels. */
export function MessageEditor({ text, onSave, onCancel }: MessageEditorProps) {
  const [value, setValue] = useState(text);
  const [problem, setProblem] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);

  function save() {
    const trouble = messageProblem(value);
    if (trouble) {
      setProblem(trouble);
      return;
    }
    onSave(value.trim());
  }

  return (
    <div className="mt-1">
      <textarea
        ref={box}
        aria-label="Edit message"
        value={value}
        rows={Math.min(8, Math.max(1, value.split('\n').length))}
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            onCancel();
          } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            save();
          }
        }}
        className="w-full resize-none rounded-md border border-accent bg-surface px-2 py-1 text-sm text-fg outline-none focus:ring-2 focus:ring-accent/30"
      />
      <div className="flex items-center gap-2 text-xs text-muted">
        <span className="hidden sm:inline">Enter to save, Escape to cancel</span>
        <button type="button" onClick={save} className="rounded bg-accent-strong px-2 py-0.5 font-semibold text-white hover:bg-accent-strong/90">
          Save
        </button>
        <button type="button" onClick={onCancel} className="rounded border border-line-strong px-2 py-0.5 text-fg-2 hover:bg-hover">
          Cancel
        </button>
      </div>
      {problem && (
        <p role="alert" className="text-xs text-danger">
          {problem}
        </p>
      )}
    </div>
  );
}
