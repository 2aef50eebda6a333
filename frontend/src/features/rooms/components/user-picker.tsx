import { useId, useRef, useState } from 'react';
import type { KeyboardEvent, SyntheticEvent } from 'react';

import { errorText } from '@/lib/api';
import type { UserMatch } from '@/lib/protocol';
import { usernameProblem } from '@/lib/validation';

interface UserPickerProps {
  me: string;
  /** GET /api/users?q=: people whose name matches. */
  search: (q: string) => Promise<UserMatch[]>;
  /** Called with the name as registered, only for someone who exists. */
  onPick: (username: string) => void;
}

const SHOWN = 8;

/**
 * "Message a user": suggests people as you type (Up/Down, Enter), and refuses a name nobody has
 * before anything is sent. Names are unique regardless of case; the registered form is used.
 */
export function UserPicker({ me, search, onPick }: UserPickerProps) {
  const id = useId();
  const [value, setValue] = useState('');
  const [matches, setMatches] = useState<UserMatch[]>([]);
  const [index, setIndex] = useState(-1);
  const [problem, setProblem] = useState<string | null>(null);
  const latest = useRef(0);
  const others = matches.filter((user) => user.username.toLowerCase() !== me.toLowerCase()).slice(0, SHOWN);
  const selected = index >= 0 ? others[index] : undefined;

  function pick(username: string) {
    onPick(username);
    setValue('');
    setMatches([]);
    setIndex(-1);
    setProblem(null);
  }

  function lookUp(q: string) {
    const request = ++latest.current;
    if (q.trim() === '') {
      setMatches([]);
      return;
    }
    search(q.trim()).then(
      (users) => {
        if (request === latest.current) setMatches(users);
      },
      () => undefined, // suggestions only: the submit says what went wrong
    );
  }

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (selected) {
      pick(selected.username);
      return;
    }
    const name = value.trim();
    const trouble = usernameProblem(name) ?? (name.toLowerCase() === me.toLowerCase() ? 'That is you: pick someone else.' : null);
    if (trouble) {
      setProblem(trouble);
      return;
    }
    try {
      const users = await search(name);
      const found = users.find((user) => user.username.toLowerCase() === name.toLowerCase());
      if (found) pick(found.username);
      else setProblem(`There is no user named ${name}.`);
    } catch (error: unknown) {
      setProblem(errorText(error));
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && others.length > 0) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      // Slots: no choice (-1), then each person; the arrows cycle through them.
      const slots = others.length + 1;
      setIndex((current) => ((current + 1 + step + slots) % slots) - 1);
    }
  }

  const open = others.length > 0 && value.trim() !== '';
  return (
    <form noValidate className="relative px-3" onSubmit={(event) => void submit(event)}>
      <label htmlFor={id} className="sr-only">
        Message a user
      </label>
      <div className="flex gap-1.5">
        <input
          id={id}
          value={value}
          role="combobox"
          autoComplete="off"
          placeholder="message a user"
          aria-expanded={open}
          aria-controls={`${id}-list`}
          aria-autocomplete="list"
          aria-activedescendant={open && selected ? `${id}-${selected.username}` : undefined}
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onChange={(event) => {
            setValue(event.target.value);
            setProblem(null);
            setIndex(-1);
            lookUp(event.target.value);
          }}
          onKeyDown={onKeyDown}
          className="min-w-0 flex-1 rounded-md border border-slate-600 bg-slate-800 px-2 py-1 text-sm text-slate-100 placeholder:text-slate-400 focus:border-indigo-400 focus:outline-none"
        />
        <button type="submit" className="rounded-md bg-slate-700 px-2.5 py-1 text-xs font-semibold text-slate-100 hover:bg-slate-600">
          Open
        </button>
      </div>
      <ul id={`${id}-list`} role="listbox" aria-label="People" hidden={!open} className="mt-1 flex flex-col gap-0.5 rounded-md bg-slate-800 p-1">
        {others.map((user, at) => (
          <li
            key={user.username}
            id={`${id}-${user.username}`}
            role="option"
            aria-selected={at === index}
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => pick(user.username)}
            className={`flex cursor-pointer items-center gap-2 rounded px-2 py-1 text-sm ${at === index ? 'bg-indigo-600 text-white' : 'text-slate-200 hover:bg-slate-700'}`}
          >
            <span aria-hidden="true" className={`h-2 w-2 rounded-full ${user.online ? 'bg-emerald-500' : 'border border-slate-400'}`} />
            <span className="min-w-0 flex-1 truncate">{user.username}</span>
            <span className="sr-only">{user.online ? 'online' : 'offline'}</span>
          </li>
        ))}
      </ul>
      {problem && (
        <p id={`${id}-problem`} role="alert" className="mt-1 text-xs text-red-300">
          {problem}
        </p>
      )}
    </form>
  );
}
