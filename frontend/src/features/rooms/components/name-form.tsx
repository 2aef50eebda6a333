import { useId, useState } from 'react';

interface NameFormProps {
  label: string;
  placeholder: string;
  button: string;
  /** Returns what is wrong with the name, or null. */
  validate: (name: string) => string | null;
  onSubmit: (name: string) => void;
}

/** A one-field form that checks the name before handing it on. */
export function NameForm({ label, placeholder, button, validate, onSubmit }: NameFormProps) {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const id = useId();
  return (
    <form
      noValidate
      className="px-3"
      onSubmit={(event) => {
        event.preventDefault();
        const name = value.trim();
        const trouble = validate(name);
        setProblem(trouble);
        if (trouble) return;
        onSubmit(name);
        setValue('');
      }}
    >
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <div className="flex gap-1.5">
        <input
          id={id}
          value={value}
          placeholder={placeholder}
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onChange={(event) => {
            setValue(event.target.value);
            setProblem(null);
          }}
          className="min-w-0 flex-1 rounded-md border border-slate-600 bg-slate-800 px-2 py-1 text-sm text-slate-100 placeholder:text-slate-400 focus:border-indigo-400 focus:outline-none"
        />
        <button type="submit" className="rounded-md bg-slate-700 px-2.5 py-1 text-xs font-semibold text-slate-100 hover:bg-slate-600">
          {button}
        </button>
      </div>
      {problem && (
        <p id={`${id}-problem`} role="alert" className="mt-1 text-xs text-red-300">
          {problem}
        </p>
      )}
    </form>
  );
}
