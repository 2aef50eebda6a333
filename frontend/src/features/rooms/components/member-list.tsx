import { useId, useState } from 'react';
import type { SyntheticEvent } from 'react';

import { errorText } from '@/lib/api';
import type { Member, RoomRole, Visibility } from '@/lib/protocol';
import { usernameProblem } from '@/lib/validation';

import { canModerate } from '../members';

export interface MemberListProps {
  me: string;
  room: string;
  visibility: Visibility | null;
  /** Your role as the sidebar knows it; your own row in `members` wins once loaded. */
  myRole: RoomRole | null;
  /** null while loading. */
  members: Member[] | null;
  /** Who is online in the room now (presence); null to use each member's `online`. */
  online: ReadonlySet<string> | null;
  loadError: string | null;
  onInvite: (username: string) => Promise<void>;
  onRemove: (username: string, ban: boolean) => Promise<void>;
  onSetRole: (username: string, role: Exclude<RoomRole, 'owner'>) => Promise<void>;
  onLeave: () => Promise<void>;
}

const ROLE_LABEL: Record<RoomRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
const SMALL_BUTTON = 'rounded-md border border-line-strong px-2 py-0.5 text-xs font-medium text-fg-2 hover:bg-hover disabled:opacity-50';


function InviteBox({ onInvite }: { onInvite: (username: string) => Promise<void> }) {
  const id = useId();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    const username = name.trim();
    const problem = usernameProblem(username);
    if (problem) {
      setResult({ ok: false, text: problem });
      return;
    }
    setBusy(true);
    try {
      await onInvite(username);
      setResult({ ok: true, text: `${username} can now join.` });
      setName('');
    } catch (error: unknown) {
      setResult({ ok: false, text: errorText(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-1.5 border-t border-line px-4 py-3">
      <label htmlFor={id} className="text-sm font-semibold text-fg">
        Invite someone
      </label>
      <div className="flex gap-2">
        <input
          id={id}
          value={name}
          placeholder="user name"
          autoComplete="off"
          aria-invalid={result !== null && !result.ok}
          aria-describedby={result ? `${id}-result` : undefined}
          onChange={(event) => {
            setName(event.target.value);
            setResult(null);
          }}
          className="min-w-0 flex-1 rounded-md border border-line-strong bg-surface px-2 py-1 text-sm text-fg placeholder:text-muted"
        />
        <button type="submit" disabled={busy} className="rounded-md bg-accent-strong px-3 py-1 text-sm font-semibold text-white hover:bg-accent-strong/90 disabled:opacity-60">
          Invite
        </button>
      </div>
      {result && (
        <p id={`${id}-result`} role={result.ok ? 'status' : 'alert'} className={`text-xs ${result.ok ? 'text-muted' : 'text-danger'}`}>
          {result.text}
        </p>
      )}
    </form>
  );
}

function LeaveBox({ room, onLeave }: { room: string; onLeave: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <div className="flex flex-wrap items-center gap-2 border-t border-line px-4 py-3">
      {confirming ? (
        <>
          <span className="text-sm text-fg">Leave #{room} for good?</span>
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void onLeave().finally(() => setBusy(false));
            }}
            className="rounded-md bg-red-700 px-3 py-1 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-60"
          >
            Yes, leave
          </button>
          <button type="button" onClick={() => setConfirming(false)} className={SMALL_BUTTON}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} className="rounded-md border border-line-strong px-3 py-1 text-sm font-medium text-danger hover:bg-hover">
          Leave room
        </button>
      )}
    </div>
  );
}

/** The members of a room with their roles; owners and admins get moderation, private rooms an invite box. */
export function MemberList({ me, room, visibility, myRole, members, online, loadError, onInvite, onRemove, onSetRole, onLeave }: MemberListProps) {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const role = members?.find((m) => m.username === me)?.role ?? myRole;
  const isOnline = (member: Member) => (online ? online.has(member.username) : member.online);

  async function act(username: string, action: () => Promise<void>) {
    setBusy(username);
    setProblem(null);
    try {
      await action();
    } catch (error: unknown) {
      setProblem(errorText(error));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="flex flex-col">
      {problem && (
        <p role="alert" className="mx-4 mt-3 rounded-md bg-danger-soft px-3 py-2 text-sm text-danger">
          {problem}
        </p>
      )}
      {members === null ? (
        <p role={loadError ? 'alert' : 'status'} className={`px-4 py-3 text-sm ${loadError ? 'text-danger' : 'text-muted'}`}>
          {loadError ? `Could not load the members: ${loadError}` : 'Loading members…'}
        </p>
      ) : (
        <ul aria-label={`Members of ${room}`} className="flex flex-col divide-y divide-line">
          {members.map((member) => {
            const you = member.username === me;
            const moderate = !you && canModerate(role, member);
            return (
              <li key={member.username} className="flex flex-wrap items-center gap-x-3 gap-y-1.5 px-4 py-2">
                <span className="flex min-w-0 flex-1 items-center gap-2 text-sm text-fg">
                  <span
                    aria-hidden="true"
                    className={`h-2 w-2 shrink-0 rounded-full ${isOnline(member) ? 'bg-emerald-500' : 'border border-slate-400 bg-transparent'}`}
                  />
                  <span className="truncate">
                    {member.username}
                    {you && ' (you)'}
                  </span>
                  <span className="sr-only">{isOnline(member) ? ', online' : ', offline'}</span>
                </span>
                {role === 'owner' && moderate ? (
                  <select
                    aria-label={`Role of ${member.username}`}
                    value={member.role}
                    disabled={busy === member.username}
                    onChange={(event) => {
                      const next = event.target.value === 'admin' ? 'admin' : 'member';
                      void act(member.username, () => onSetRole(member.username, next));
                    }}
                    className="rounded-md border border-line-strong bg-surface px-1.5 py-0.5 text-xs text-fg"
                  >
                    <option value="admin">Admin</option>
                    <option value="member">Member</option>
                  </select>
                ) : (
                  <span data-testid="member-role" className={`rounded px-1.5 py-0.5 text-xs font-medium ${member.role === 'member' ? 'text-muted' : 'bg-hover text-fg-2'}`}>
                    {ROLE_LABEL[member.role]}
                  </span>
                )}
                {moderate && (
                  <span className="flex gap-1.5">
                    <button
                      type="button"
                      aria-label={`Remove ${member.username}`}
                      disabled={busy === member.username}
                      onClick={() => void act(member.username, () => onRemove(member.username, false))}
                      className={SMALL_BUTTON}
                    >
                      Remove
                    </button>
                    <button
                      type="button"
                      aria-label={`Ban ${member.username}`}
                      disabled={busy === member.username}
                      onClick={() => void act(member.username, () => onRemove(member.username, true))}
                      className={`${SMALL_BUTTON} text-danger`}
                    >
                      Ban
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {visibility === 'private' && (role === 'owner' || role === 'admin') && <InviteBox onInvite={onInvite} />}
      <LeaveBox room={room} onLeave={onLeave} />
    </div>
  );
}
