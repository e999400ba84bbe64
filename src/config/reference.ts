import { z } from 'zod';
import { formatDuration, isDuration } from './duration.js';
import { configSchema } from './schema.js';

/** One documented key: its dotted path and the schema that reads it (with its default and description). */
interface Entry {
  key: string;
  schema: z.ZodType;
}

const INTRO = `# Configuration

<!-- Generated from src/config/schema.ts by \`npm run docs:config\`: edit the descriptions there, not this file. -->

Homeroom takes its settings from three layers, where later layers win:

1. The defaults below.
2. The file named by \`HOMEROOM_CONFIG\` (YAML, or JSON if the name ends in \`.json\`).
3. The environment variables named in the descriptions (\`PORT\`, \`HOMEROOM_ISSUER\`, \`DATABASE_URL\` …).

Homeroom checks the whole configuration at start: if a value is invalid, or a key is unknown (a misspelling), it exits
with code 78 and names the key; it warns when the issuer is plain \`http\`. \`homeroom config\` prints the effective
configuration, with secrets removed.
[config/homeroom.example.yaml](../config/homeroom.example.yaml) is a commented example to copy.

Durations accept \`"90s"\`, \`"30m"\`, \`"24h"\`, \`"14d"\` or a number of seconds. Settings an administrator changes in
the admin console (password length, questions, claim delay, throttling, session length) are stored in the database
and override these values: see [Administration](administration.md#how-settings-apply).
`;

/** The wrapped schema of a default or an optional, or the schema itself. */
function unwrap(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) return unwrap(schema.def.innerType as z.ZodType);
  return schema;
}

/** A section is an object without a description of its own: its keys are documented one by one. */
function entries(shape: Record<string, z.ZodType>, prefix: string): Entry[] {
  return Object.entries(shape).flatMap(([name, schema]) => {
    const key = `${prefix}${name}`;
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject && !schema.description) return entries(inner.shape as Record<string, z.ZodType>, `${key}.`);
    return [{ key, schema }];
  });
}

function numberType(schema: z.ZodNumber): string {
  const name = schema.isInt ? 'integer' : 'number';
  // .positive() on an integer is an exclusive bound of 0: "at least 1" reads better.
  const exclusiveMin = (schema.def.checks ?? []).some((check) => check._zod.def.check === 'greater_than' && !(check._zod.def as { inclusive?: boolean }).inclusive);
  const lowest = exclusiveMin && schema.isInt && schema.minValue !== null ? schema.minValue + 1 : schema.minValue;
  const min = lowest !== null && lowest > Number.MIN_SAFE_INTEGER ? lowest : null;
  const max = schema.maxValue !== null && schema.maxValue < Number.MAX_SAFE_INTEGER ? schema.maxValue : null;
  if (min !== null && max !== null) return `${name}, ${min} to ${max}`;
  if (min !== null) return `${name}, at least ${min}`;
  if (max !== null) return `${name}, at most ${max}`;
  return name;
}

function typeOf(schema: z.ZodType): string {
  if (isDuration(schema)) return 'duration';
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) return typeOf(schema.def.innerType as z.ZodType);
  if (schema instanceof z.ZodURL) return 'URL';
  if (schema instanceof z.ZodString) return 'string';
  if (schema instanceof z.ZodNumber) return numberType(schema);
  if (schema instanceof z.ZodBoolean) return 'boolean';
  // A long list of names (the built-in questions) is spelled out by the default instead.
  if (schema instanceof z.ZodEnum) return schema.options.length > 8 ? 'built-in id' : schema.options.map((option) => `\`${String(option)}\``).join(', ');
  if (schema instanceof z.ZodArray) return `list of ${typeOf(schema.element as z.ZodType)}`;
  if (schema instanceof z.ZodRecord) return `map of ${typeOf(schema.keyType as z.ZodType)} to ${typeOf(schema.valueType as z.ZodType)}`;
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).map((option) => typeOf(option)).join(' or ');
  if (schema instanceof z.ZodObject) {
    const fields = Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) =>
      field instanceof z.ZodOptional || field instanceof z.ZodDefault ? `${name}?` : name,
    );
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`docs:config cannot name the type of a ${schema.constructor.name}: teach src/config/reference.ts`);
}

/** A value as one would write it in the YAML file, durations in their short spelling. */
function valueText(schema: z.ZodType, value: unknown): string {
  if (isDuration(schema) && typeof value === 'number') return formatDuration(value);
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) return valueText(schema.def.innerType as z.ZodType, value);
  if (Array.isArray(value)) {
    const element = schema instanceof z.ZodArray ? (schema.element as z.ZodType) : z.unknown();
    return `[${value.map((item) => valueText(unwrap(element) instanceof z.ZodUnion ? z.unknown() : element, item)).join(', ')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
    const fields = Object.entries(value).map(([name, field]) => `${name}: ${valueText(shape[name] ?? z.unknown(), field)}`);
    return `{${fields.join(', ')}}`;
  }
  return String(value);
}

function defaultText(schema: z.ZodType): string {
  if (schema instanceof z.ZodDefault) return `\`${valueText(schema.def.innerType as z.ZodType, schema.def.defaultValue)}\``;
  return 'none';
}

/** Table cells cannot hold a pipe or a line break, and outside code spans `<name>` would be read as HTML. */
function cell(text: string): string {
  const escaped = text
    .split('`')
    .map((part, index) => (index % 2 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`');
  return escaped.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/** docs/configuration.md: every key of the config schema with its type, default and description. */
export function configReference(): string {
  const sections = Object.entries(configSchema.shape as Record<string, z.ZodType>).map(([name, schema]) => {
    const inner = unwrap(schema);
    const rows = inner instanceof z.ZodObject ? entries(inner.shape as Record<string, z.ZodType>, `${name}.`) : [{ key: name, schema }];
    const lines = rows.map(({ key, schema: keySchema }) => {
      if (!keySchema.description) throw new Error(`${key} has no description in src/config/schema.ts`);
      return `| \`${key}\` | ${cell(typeOf(keySchema))} | ${cell(defaultText(keySchema))} | ${cell(sentence(keySchema.description))} |`;
    });
    return [`## ${name}`, '', '| Key | Type | Default | Description |', '|---|---|---|---|', ...lines].join('\n');
  });
  return `${INTRO}\n${sections.join('\n\n')}\n`;
}
