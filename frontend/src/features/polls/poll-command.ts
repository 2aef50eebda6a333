/** The composer's `/poll Question? | option one | option two` command. */
import { MAX_OPTIONS, MIN_OPTIONS } from './poll-frame';

export const POLL_USAGE = `/poll Question? | option | option (${MIN_OPTIONS} to ${MAX_OPTIONS} options)`;

export type PollCommand = { ok: true; question: string; options: string[] } | { ok: false; problem: string };

/** Whether the text is meant as a poll: `/poll`, alone or followed by a space. */
export function isPollCommand(text: string): boolean {
  return /^\/poll(\s|$)/.test(text.trim());
}

/** The question and options of a `/poll` command, or what is wrong with it. */
export function parsePollCommand(text: string): PollCommand {
  if (!isPollCommand(text)) return { ok: false, problem: `Start a poll with ${POLL_USAGE}.` };
  const [question = '', ...options] = text
    .trim()
    .replace(/^\/poll/, '')
    .split('|')
    .map((part) => part.trim());
  if (question === '') return { ok: false, problem: `Ask a question first: ${POLL_USAGE}.` };
  if (options.some((option) => option === '')) {
    return { ok: false, problem: 'An option is empty: put text between each pair of "|".' };
  }
  if (options.length < MIN_OPTIONS) {
    return { ok: false, problem: `A poll needs at least ${MIN_OPTIONS} options, separated by "|": ${POLL_USAGE}.` };
  }
  if (options.length > MAX_OPTIONS) {
    return { ok: false, problem: `A poll has at most ${MAX_OPTIONS} options (this one has ${options.length}).` };
  }
  const seen = new Set<string>();
  for (const option of options) {
    const folded = option.toLowerCase();
    if (seen.has(folded)) return { ok: false, problem: `"${option}" is there twice: each option once.` };
    seen.add(folded);
  }
  return { ok: true, question, options };
}
