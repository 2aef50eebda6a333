import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';

import { ClockIcon, PaperclipIcon } from '@/components/icons';
import { AttachmentChips } from './attachment-chips';
import type { PendingAttachment } from '../files/pending-attachments';
import { MAX_TEXT } from '@/lib/protocol';
import { messageProblem } from '@/lib/validation';

/** The files waiting to go with the message. */
export interface ComposerFiles {
  items: PendingAttachment[];
  /** Files picked, pasted or dropped: start uploading them. */
  onAdd: (files: File[]) => void;
  onRemove: (key: string) => void;
  /** Some are uploaded: a message may go without text. */
  ready: boolean;
  /** Some are still uploading: sending waits. */
  uploading: boolean;
}

interface ComposerProps {
  placeholder: string;
  /** Returns a problem to show (the text stays, nothing was sent), or null once sent. */
  onSend: (text: string) => string | null;
  /** A hint for the text being written (the form of a command), shown instead of the key hints. */
  hintFor?: ((text: string) => string | null) | undefined;
  /** Called on every keystroke that leaves text in the box; the socket throttles it. */
  onTyping?: () => void;
  /** The text to start with (this conversation's draft). */
  draft?: string;
  /** Every change of the text, to keep it as this conversation's draft. */
  onDraftChange?: (text: string) => void;
  /** The text box's accessible name (default "Message"). */
  label?: string;
  /** Up in an empty box: edit your last message; true when there was one. */
  onEditLast?: () => boolean;
  /** Escape in the box (cancels a reply); true when it did something. */
  onEscape?: () => boolean;
  /** Shown above the box (the "Replying to" bar). */
  top?: ReactNode;
  /** Each new value moves the focus into the box (a reply was started). */
  focusSignal?: number;
  /** Attach files (a button, paste); absent: no attaching here. */
  files?: ComposerFiles;
  /** "Send later": absent, no such button here. */
  sendLater?: ComposerSendLater;
}

/** The composer's "Send later": a picker of times, and what schedules the text for one. */
export interface ComposerSendLater {
  /** Schedules `text` for `at`; a problem to show, or null once scheduled (the box empties). */
  onSchedule: (text: string, at: Date) => string | null;
  /** The picker, shown under the box: `pick(at)` schedules the text, `close()` hides it. */
  picker: (pick: (at: Date) => string | null, close: () => void) => ReactNode;
}

/** The box grows with its text (wrapped lines too) up to this height, then scrolls. */
const MAX_HEIGHT_PX = 192;

/** Where you write. Give it a `key` per conversation: its text is that conversation's draft. */
export function Composer({ placeholder, onSend, hintFor, onTyping, draft = '', onDraftChange, label = 'Message', onEditLast, onEscape, top, focusSignal, files, sendLater }: ComposerProps) {
  const [text, setText] = useState(draft);
  const [problem, setProblem] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);

  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  useEffect(() => {
    if (focusSignal !== undefined && focusSignal > 0) box.current?.focus();
  }, [focusSignal]);

  function change(next: string) {
    setText(next);
    onDraftChange?.(next);
  }

  function send() {
    if (files?.uploading === true) {
      setProblem('Wait until the files are uploaded (or remove them), then send.');
      return;
    }
    if (files?.ready === true && text.trim() === '') {
      if (onSend('') === null) setProblem(null);
      return;
    }
    const trouble = messageProblem(text);
    if (trouble) {
      // An empty Enter is a no-op, not an error.
      setProblem(text.trim() === '' ? null : trouble);
      return;
    }
    const refused = onSend(text.trim());
    if (refused) {
      setProblem(refused);
      return;
    }
    change('');
    setProblem(null);
  }

  /** Schedules the text for `at` (the "Send later" picker); a problem, or null once done. */
  function schedule(at: Date): string | null {
    const trouble = messageProblem(text);
    if (trouble) return trouble;
    if (files?.ready === true || files?.uploading === true) return 'Files cannot be sent later: send them now, or remove them.';
    if (!sendLater) return 'Sending later is not available here.';
    const refused = sendLater.onSchedule(text.trim(), at);
    if (refused !== null) return refused;
    change('');
    setProblem(null);
    return null;
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'ArrowUp' && text === '' && !event.shiftKey && !event.altKey && onEditLast?.() === true) {
      event.preventDefault();
      return;
    }
    if (event.key === 'Escape' && onEscape?.() === true) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    // Enter sends; Shift+Enter (and Enter while an IME is composing) adds a line.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  }

  const remaining = MAX_TEXT - text.trim().length;
  const hint = hintFor?.(text) ?? null;
  return (
    <form
      className="border-t border-line bg-surface px-2 py-2 sm:px-4 sm:py-3"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      {top}
      {files && <AttachmentChips items={files.items} onRemove={files.onRemove} />}
      <div className="flex items-end gap-1.5 rounded-xl border border-line-strong bg-surface px-3 py-2 focus-within:border-accent focus-within:ring-2 focus-within:ring-accent/30">
        {files && (
          <>
            <button
              type="button"
              onClick={() => picker.current?.click()}
              className="-ml-1 shrink-0 self-center rounded-md p-1 text-muted hover:bg-hover hover:text-fg"
              aria-label="Attach files"
              title="Attach files (or drop or paste them)"
            >
              <PaperclipIcon />
            </button>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              tabIndex={-1}
              aria-hidden="true"
              data-testid="file-picker"
              onChange={(event) => {
                const picked = [...(event.target.files ?? [])];
                event.target.value = '';
                if (picked.length > 0) files.onAdd(picked);
              }}
            />
          </>
        )}
        <textarea
          ref={box}
          aria-label={label}
          placeholder={placeholder}
          rows={1}
          value={text}
          onChange={(event) => {
            change(event.target.value);
            if (event.target.value.trim() !== '') onTyping?.();
          }}
          onKeyDown={onKeyDown}
          onPaste={(event) => {
            // Images (screenshots) from the clipboard become attachments; text pastes as usual.
            const pasted = [...event.clipboardData.files];
            if (!files || pasted.length === 0) return;
            event.preventDefault();
            files.onAdd(pasted);
          }}
          className="min-h-6 min-w-0 flex-1 resize-none overflow-y-auto bg-transparent text-sm leading-6 text-fg outline-none placeholder:text-muted"
        />
        <button
          type="submit"
          className="shrink-0 rounded-lg bg-accent-strong px-3 py-1.5 text-sm font-semibold text-white hover:bg-accent-strong/90 disabled:opacity-60"
          disabled={text.trim() === '' && files?.ready !== true}
        >
          Send
        </button>
      </div>
      {sendLater && picking && text.trim() !== '' && sendLater.picker(schedule, () => setPicking(false))}
      <div className="mt-1 flex justify-between gap-2 text-xs text-muted">
        {hint === null ? (
          <span className="hidden sm:inline">
            <kbd className="font-sans">Enter</kbd> to send, <kbd className="font-sans">Shift+Enter</kbd> for a new line,{' '}
            <kbd className="font-sans">**bold**</kbd> <kbd className="font-sans">_italic_</kbd> <kbd className="font-sans">`code`</kbd>
          </span>
        ) : (
          <span data-testid="composer-hint">{hint}</span>
        )}
        <span className="ml-auto flex items-center gap-2">
          {remaining < 200 && <span className={remaining < 0 ? 'text-danger' : ''}>{remaining}</span>}
          {/* Under the box, not beside it: a phone's message box keeps its width. */}
          {sendLater && (
            <button
              type="button"
              onClick={() => setPicking((open) => !open)}
              aria-expanded={picking}
              disabled={text.trim() === ''}
              title="Send this message at a time you pick"
              className="flex items-center gap-1 rounded-md px-1 py-0.5 text-muted hover:bg-hover hover:text-fg disabled:opacity-60"
            >
              <ClockIcon />
              Send later
            </button>
          )}
        </span>
      </div>
      {problem && (
        <p role="alert" className="mt-1 text-xs text-danger">
          {problem}
        </p>
      )}
    </form>
  );
}
