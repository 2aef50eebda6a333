/**
 * A message's text as a safe Markdown subset: bold, italic, strike, inline and fenced code
 * (highlighted), quotes, lists, links and bare URLs (opened in a new tab with
 * `rel="noopener noreferrer"`), and `:emoji:` shortcodes. Never raw HTML: markup someone types
 * is shown as the text it is (react-markdown builds React elements, never `innerHTML`, and
 * `javascript:` URLs are dropped by its default URL filter). Images are not loaded.
 */
import { memo, useMemo } from 'react';
import type { ComponentProps } from 'react';
import Markdown from 'react-markdown';
import type { Components, Options } from 'react-markdown';
import remarkBreaks from 'remark-breaks';
import remarkGfm from 'remark-gfm';

import { replaceShortcodes } from '@/lib/emoji';

import { rehypeHighlightSome } from './highlight';
import { remarkMentions } from './mention-plugin';

/** The part of an mdast node these plugins look at. */
interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
}

function walk(node: MdNode, visit: (node: MdNode) => void): void {
  visit(node);
  for (const child of node.children ?? []) walk(child, visit);
}

/** Raw HTML in a message becomes plain text (no rehype-raw: nothing typed becomes markup). */
function remarkHtmlAsText() {
  return (tree: MdNode) => {
    walk(tree, (node) => {
      if (node.type === 'html') node.type = 'text';
    });
  };
}

/** `:tada:` → 🎉 in text (code spans and blocks are other node types, so they keep it as typed). */
function remarkEmoji() {
  return (tree: MdNode) => {
    walk(tree, (node) => {
      if (node.type === 'text' && node.value !== undefined) node.value = replaceShortcodes(node.value);
    });
  };
}

type PluggableList = NonNullable<Options['remarkPlugins']>;
type Pluggable = PluggableList[number];

const ALLOWED = [
  'p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'span', 'blockquote', 'ul', 'ol', 'li', 'a', 'hr',
  'table', 'thead', 'tbody', 'tr', 'th', 'td',
];

function Link({ href, title, children }: ComponentProps<'a'>) {
  return (
    <a href={href} title={title} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

/** A code block scrolls sideways: focusable, so a keyboard can scroll it too. */
function Pre({ children }: ComponentProps<'pre'>) {
  return <pre tabIndex={0}>{children}</pre>;
}

const components: Components = { a: Link, pre: Pre };

const remarkPlugins: PluggableList = [remarkGfm, remarkBreaks, remarkHtmlAsText, remarkEmoji];
const rehypePlugins = [rehypeHighlightSome];

const NO_NAMES: readonly string[] = [];

/**
 * Renders one message's text; memoised because a list re-renders on every new message. With
 * `me`, `@name` mentions are marked (`names`: who the message mentions; you always count).
 */
export const MessageText = memo(function MessageText({ text, me, names = NO_NAMES }: { text: string; me?: string; names?: readonly string[] }) {
  const plugins = useMemo(
    (): PluggableList => {
      if (me === undefined) return remarkPlugins;
      const mentionPlugin: Pluggable = [remarkMentions, { names, me }];
      return [...remarkPlugins, mentionPlugin];
    },
    [me, names],
  );
  return (
    <Markdown
      remarkPlugins={plugins}
      rehypePlugins={rehypePlugins}
      allowedElements={ALLOWED}
      unwrapDisallowed
      components={components}
    >
      {text}
    </Markdown>
  );
});
