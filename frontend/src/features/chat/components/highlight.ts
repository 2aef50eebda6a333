/**
 * Syntax highlighting for fenced code blocks with a language (```python), as a rehype plugin
 * on lowlight (the highlight.js engine behind rehype-highlight) with only the languages people
 * paste into chat: rehype-highlight itself bundles 37 languages (~400 kB more JavaScript).
 * A block in another language, or without one, stays plain.
 */
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { createLowlight } from 'lowlight';

const lowlight = createLowlight({ bash, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml });
lowlight.registerAlias({ bash: ['sh', 'shell', 'zsh'], javascript: ['js', 'jsx'], typescript: ['ts', 'tsx'], python: ['py'], xml: ['html'], yaml: ['yml'] });

/** The part of a hast node this plugin looks at. */
interface HastNode {
  type: string;
  tagName?: string;
  value?: string;
  properties?: { className?: unknown };
  children?: HastNode[];
}

function textOf(node: HastNode): string {
  return node.type === 'text' ? (node.value ?? '') : (node.children ?? []).map(textOf).join('');
}

function highlightBlock(pre: HastNode): void {
  const code = pre.children?.find((child) => child.tagName === 'code');
  const classes = code?.properties?.className;
  if (!code || !Array.isArray(classes)) return;
  const language = classes.map(String).find((name) => name.startsWith('language-'))?.slice('language-'.length);
  if (language === undefined || !lowlight.registered(language)) return;
  code.children = lowlight.highlight(language, textOf(code)).children;
  code.properties = { ...code.properties, className: [...classes.map(String), 'hljs'] };
}

export function rehypeHighlightSome() {
  return (tree: HastNode) => {
    const walk = (node: HastNode) => {
      if (node.tagName === 'pre') highlightBlock(node);
      else node.children?.forEach(walk);
    };
    walk(tree);
  };
}
