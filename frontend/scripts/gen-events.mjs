#!/usr/bin/env node
/**
 * Generates the frontend's wire types from the backend's JSON Schemas, so they never drift:
 * src/lib/events.gen.ts from `runtime.events.json_schema()` (the Kafka events) and
 * src/lib/frames.gen.ts from `runtime.frames.json_schema()` (the server-to-client frames).
 *
 *   node scripts/gen-events.mjs           write both files              (npm run gen:events)
 *   node scripts/gen-events.mjs --check   fail when either is stale     (npm run check:events)
 *
 * The Python interpreter is ../.venv/bin/python (PARLEY_PYTHON overrides it). The converter
 * handles the shapes pydantic produces for these models: objects with typed properties,
 * string/boolean/number/integer/array/null, `anyOf` unions and a free-form `JsonValue` $def.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(frontend, '..');
const python = process.env.PARLEY_PYTHON ?? join(repo, '.venv/bin/python');
const program = (module) => `import json; from ${module} import json_schema; print(json.dumps(json_schema()))`;

function loadSchema(module) {
  try {
    return JSON.parse(execFileSync(python, ['-c', program(module)], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (error) {
    const detail = error.stderr ? String(error.stderr).trim() : error.message;
    throw new Error(`could not read ${module}'s schema with ${python}: ${detail}`);
  }
}

/** A single-quoted TypeScript string literal. */
const quote = (text) => `'${JSON.stringify(text).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`;
const propertyKey = (name) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name));
const inline = (object) => `{ ${Object.entries(object).map(([key, value]) => `${propertyKey(key)}: ${typeof value === 'string' ? quote(value) : JSON.stringify(value)}`).join(', ')} }`;

const pascal = (text) => text.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c) => c.toUpperCase());
const interfaceName = (type) => `${pascal(type)}EventData`;

/** Object schemas named by `$ref` (`#/$defs/Name`) in the models being rendered: each becomes
 * an interface of its own (`renderDefs`). */
const named = new Map();
let defsInScope = {};

/** The TypeScript type of one JSON Schema node. */
function tsType(node, where) {
  if (node.$ref !== undefined) {
    if (node.$ref === '#/$defs/JsonValue') return 'JsonValue';
    const name = node.$ref.startsWith('#/$defs/') ? node.$ref.slice('#/$defs/'.length) : null;
    const def = name === null ? undefined : defsInScope[name];
    if (def === undefined || def.type !== 'object' || def.properties === undefined) {
      throw new Error(`${where}: unsupported $ref ${node.$ref}`);
    }
    named.set(name, def);
    return name;
  }
  if (node.anyOf !== undefined) return [...new Set(node.anyOf.map((item, i) => tsType(item, `${where}.anyOf[${i}]`)))].join(' | ');
  const literal = (value) => (typeof value === 'string' ? quote(value) : JSON.stringify(value));
  if (node.enum !== undefined) return node.enum.map(literal).join(' | ');
  if (node.const !== undefined) return literal(node.const);
  switch (node.type) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'integer':
    case 'number':
      return 'number';
    case 'null':
      return 'null';
    case 'array': {
      const item = node.items === undefined ? 'JsonValue' : tsType(node.items, `${where}.items`);
      return item.includes(' ') ? `(${item})[]` : `${item}[]`;
    }
    case 'object':
      if (node.properties !== undefined) throw new Error(`${where}: nested objects are not supported`);
      if (node.additionalProperties === undefined || node.additionalProperties === true) return '{ [key: string]: JsonValue }';
      return `{ [key: string]: ${tsType(node.additionalProperties, `${where}.additionalProperties`)} }`;
    case undefined:
      if (Object.keys(node).length === 0) return 'JsonValue';
  }
  throw new Error(`${where}: unsupported schema ${JSON.stringify(node)}`);
}

/** The string constraints of a property (taken from the string branch of an anyOf). */
function constraints(node) {
  const branch = node.type === 'string' ? node : (node.anyOf ?? []).find((item) => item.type === 'string');
  if (!branch) return null;
  const found = {};
  for (const key of ['pattern', 'minLength', 'maxLength', 'format']) if (branch[key] !== undefined) found[key] = branch[key];
  return Object.keys(found).length > 0 ? found : null;
}

function docComment(lines, indent) {
  const clean = lines.flatMap((line) => line.split('\n')).map((line) => line.replaceAll('*/', '*\\/').replace(/``/g, '`').trimEnd());
  while (clean.length > 0 && clean.at(-1) === '') clean.pop();
  if (clean.length === 0) return [];
  if (clean.length === 1) return [`${indent}/** ${clean[0]} */`];
  return [`${indent}/**`, ...clean.map((line) => (line === '' ? `${indent} *` : `${indent} * ${line}`)), `${indent} */`];
}

function describeField(node) {
  const parts = [];
  const found = constraints(node);
  if (found?.pattern !== undefined) parts.push(`pattern \`${found.pattern}\``);
  if (found?.minLength !== undefined || found?.maxLength !== undefined) {
    parts.push(`${found.minLength ?? 0}-${found.maxLength ?? '∞'} characters`);
  }
  if (found?.format !== undefined) parts.push(`format ${found.format}`);
  if (node.default !== undefined) parts.push(`default ${JSON.stringify(node.default)}`);
  return parts.length > 0 ? [parts.join(', ')] : [];
}

/** The interfaces of the object schemas the models referred to (`named`). */
function renderDefs() {
  const out = [];
  for (const [name, def] of [...named.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const required = new Set(def.required ?? []);
    out.push('', ...docComment([def.description ?? ''], ''));
    out.push(`export interface ${name} {`);
    for (const [field, node] of Object.entries(def.properties)) {
      out.push(`  ${propertyKey(field)}${required.has(field) ? '' : '?'}: ${tsType(node, `${name}.${field}`)};`);
    }
    out.push('}');
  }
  named.clear();
  return out;
}

/** One interface per server frame (a TypedDict's schema) and their union. */
function renderFrames(schema) {
  const names = Object.keys(schema);
  const out = [
    '// Generated by scripts/gen-events.mjs from runtime.frames.json_schema(): do not edit.',
    '// Regenerate with `npm run gen:events`; `npm run check:events` fails when this file is stale.',
  ];
  for (const name of names) {
    const model = schema[name];
    if (model.type !== 'object' || model.properties === undefined) throw new Error(`${name}: not an object schema`);
    defsInScope = model.$defs ?? {};
    const required = new Set(model.required ?? []);
    out.push('', ...docComment([model.description ?? ''], ''));
    out.push(`export interface ${name} {`);
    for (const [field, node] of Object.entries(model.properties)) {
      out.push(`  ${propertyKey(field)}${required.has(field) ? '' : '?'}: ${tsType(node, `${name}.${field}`)};`);
    }
    out.push('}');
  }
  out.push(...renderDefs());
  out.push('', '/** Every frame the server sends that the contract names. */', `export type ServerFrame = ${names.join(' | ')};`, '');
  return out.join('\n');
}

function renderEvents(schema) {
  const types = Object.keys(schema);
  const out = [
    '// Generated by scripts/gen-events.mjs from runtime.events.json_schema(): do not edit.',
    '// Regenerate with `npm run gen:events`; `npm run check:events` fails when this file is stale.',
    '',
    '/** Any JSON value (pydantic `JsonValue`). */',
    'export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };',
  ];
  const limits = {};
  for (const type of types) {
    const model = schema[type];
    if (model.type !== 'object' || model.properties === undefined) throw new Error(`${type}: not an object schema`);
    defsInScope = model.$defs ?? {};
    const required = new Set(model.required ?? []);
    out.push('', ...docComment([`\`${type}\` event (${model.title}): ${model.description ?? ''}`], ''));
    out.push(`export interface ${interfaceName(type)} {`);
    for (const [name, node] of Object.entries(model.properties)) {
      out.push(...docComment(describeField(node), '  '));
      out.push(`  ${propertyKey(name)}${required.has(name) ? '' : '?'}: ${tsType(node, `${type}.${name}`)};`);
      const found = constraints(node);
      if (found) {
        delete found.format;
        if (Object.keys(found).length > 0) (limits[type] ??= {})[name] = found;
      }
    }
    out.push('}');
  }
  out.push(...renderDefs());
  out.push(
    '',
    '/** Every event type (the envelope `type`) and the shape of its model. */',
    'export interface EventDataByType {',
    ...types.map((type) => `  ${propertyKey(type)}: ${interfaceName(type)};`),
    '}',
    '',
    'export type EventType = keyof EventDataByType;',
    '',
    `export const EVENT_TYPES = [${types.map(quote).join(', ')}] as const satisfies readonly EventType[];`,
    '',
    '/** The Kafka envelope `{"id", "type", "ts", "data"}`: id and ts sit outside `data`. */',
    'export interface EventEnvelope<T extends EventType = EventType> {',
    '  id: string;',
    '  type: T;',
    '  ts: string;',
    "  data: Omit<EventDataByType[T], 'id' | 'ts'>;",
    '}',
    '',
    '/** String constraints of each event field (pattern, minLength, maxLength), as the backend validates them. */',
    'export const EVENT_FIELD_LIMITS = {',
    ...Object.entries(limits).flatMap(([type, fields]) => [
      `  ${propertyKey(type)}: {`,
      ...Object.entries(fields).map(([name, found]) => `    ${propertyKey(name)}: ${inline(found)},`),
      '  },',
    ]),
    '} as const;',
    '',
  );
  return out.join('\n');
}

const TARGETS = [
  { file: 'src/lib/events.gen.ts', module: 'runtime.events', render: renderEvents },
  { file: 'src/lib/frames.gen.ts', module: 'runtime.frames', render: renderFrames },
];

function main() {
  const check = process.argv.includes('--check');
  let stale = false;
  for (const { file, module, render } of TARGETS) {
    const target = join(frontend, file);
    const text = render(loadSchema(module));
    if (!check) {
      writeFileSync(target, text);
      console.log(`wrote ${target}`);
      continue;
    }
    let current = null;
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error(`${file} is stale: run npm run gen:events`);
      stale = true;
    }
  }
  if (stale) process.exit(1);
}

try {
  main();
} catch (error) {
  console.error(`gen-events: ${error.message}`);
  process.exit(1);
}
