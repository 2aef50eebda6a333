/**
 * A remark plugin that marks `@name` in a message's text: a `<span class="mention">` for a name
 * the message mentions, `mention mention-me` when that name is you. Code spans and blocks are
 * other node types, so a name there stays plain. The rule around the name is the server's
 * (docs/PROTOCOL.md 1.7): not preceded by a name character, not followed by one.
 */
interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
  data?: { hName?: string; hProperties?: Record<string, string> };
}

export interface MentionOptions {
  /** Names the message mentions (the server's `mentions`), in any case. */
  names: readonly string[];
  /** You: your name is marked more strongly. */
  me: string;
}

const MENTION = /(^|[^A-Za-z0-9_.-])@([A-Za-z0-9_.-]*[A-Za-z0-9_-])(?![A-Za-z0-9_-]|\.[A-Za-z0-9])/g;

function split(value: string, names: Set<string>, me: string): MdNode[] | null {
  const parts: MdNode[] = [];
  let last = 0;
  for (const match of value.matchAll(MENTION)) {
    const name = match[2] ?? '';
    if (!names.has(name.toLowerCase())) continue;
    const start = match.index + (match[1] ?? '').length;
    if (start > last) parts.push({ type: 'text', value: value.slice(last, start) });
    const mine = name.toLowerCase() === me;
    parts.push({
      type: 'emphasis',
      children: [{ type: 'text', value: `@${name}` }],
      data: { hName: 'span', hProperties: { className: mine ? 'mention mention-me' : 'mention', 'data-mention': name } },
    });
    last = start + name.length + 1;
  }
  if (parts.length === 0) return null;
  if (last < value.length) parts.push({ type: 'text', value: value.slice(last) });
  return parts;
}

export function remarkMentions(options: MentionOptions) {
  const me = options.me.toLowerCase();
  const names = new Set([...options.names.map((n) => n.toLowerCase()), me]);
  const visit = (node: MdNode): void => {
    if (node.children === undefined) return;
    node.children = node.children.flatMap((child) => {
      if (child.type === 'text' && child.value !== undefined) return split(child.value, names, me) ?? [child];
      if (child.type !== 'link') visit(child);
      return [child];
    });
  };
  return (tree: MdNode) => {
    visit(tree);
  };
}
