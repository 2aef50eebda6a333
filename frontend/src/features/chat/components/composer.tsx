import { useState } from 'react';
import type { KeyboardEvent } from 'react';

import { MAX_TEXT } from '@/lib/protocol';
import { messageProblem } from '@/lib/validation';

interface ComposerProps {
  placeholder: string;
  onSend: (text: string) => void;
  /** Called on every keystroke that leaves text in the box; the socket throttles it. */
  onTyping?: () => void;
}

export function Composer({ placeholder, onSend, onTyping }: ComposerProps) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  function send() {
    const trouble = messageProblem(text);
    if (trouble) {
      // An empty Enter is a no-op, not an error.
      setProblem(text.trim() === '' ? null : trouble);
      return;
    }
    onSend(text.trim());
    setText('');
    setProblem(null);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends; Shift+Enter (and Enter while an IME is composing) adds a line.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  }

  const rows = Math.min(8, Math.max(1, text.split('\n').length));
  const remaining = MAX_TEXT - text.trim().length;
  return (
    <form
      className="border-t border-slate-200 bg-white px-4 py-3"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <div className="flex items-end gap-2 rounded-xl border border-slate-300 bg-white px-3 py-2 focus-within:border-indigo-500 focus-within:ring-2 focus-within:ring-indigo-200">
        <textarea
          aria-label="Message"
          placeholder={placeholder}
          rows={rows}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            if (event.target.value.trim() !== '') onTyping?.();
          }}
          onKeyDown={onKeyDown}
          className="max-h-48 min-h-6 flex-1 resize-none bg-transparent text-sm leading-6 text-slate-900 outline-none placeholder:text-slate-400"
        />
        <button
          type="submit"
          className="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-50"
          disabled={text.trim() === ''}
        >
          Send
        </button>
      </div>
      <div className="mt-1 flex justify-between text-xs text-slate-400">
        <span>
          <kbd className="font-sans">Enter</kbd> to send, <kbd className="font-sans">Shift+Enter</kbd> for a new line
        </span>
        {remaining < 200 && <span className={remaining < 0 ? 'text-red-600' : ''}>{remaining}</span>}
      </div>
      {problem && (
        <p role="alert" className="mt-1 text-xs text-red-600">
          {problem}
        </p>
      )}
    </form>
  );
}
