const AVATAR_COLORS = ['bg-sky-700', 'bg-emerald-700', 'bg-amber-700', 'bg-rose-600', 'bg-teal-700', 'bg-fuchsia-700'];

function avatarColor(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return AVATAR_COLORS[hash % AVATAR_COLORS.length] ?? 'bg-slate-600';
}

export function Avatar({ name, bot }: { name: string; bot: boolean }) {
  return (
    <span
      aria-hidden="true"
      className={`flex h-9 w-9 shrink-0 items-center justify-center text-sm font-semibold text-white ${
        bot ? 'rounded-lg bg-violet-700' : `rounded-full ${avatarColor(name)}`
      }`}
    >
      {bot ? '⚙' : name.slice(0, 1).toUpperCase()}
    </span>
  );
}
