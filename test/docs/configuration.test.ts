import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configReference } from '../../src/config/reference.js';
import { configSchema } from '../../src/config/schema.js';

const DOC = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));

test('docs/configuration.md is what `npm run docs:config` writes from the config schema today', () => {
  const written = readFileSync(DOC, 'utf8');
  // On failure: run `npm run docs:config` and commit docs/configuration.md with the schema change.
  expect(written).toBe(configReference());
});

test('every key of the config schema has a row with its default', () => {
  const reference = configReference();
  const defaults = configSchema.parse({});
  for (const [section, values] of Object.entries(defaults)) {
    expect(reference).toContain(`## ${section}\n`);
    for (const key of Object.keys(values)) expect(reference).toMatch(new RegExp(`^\\| \`${section}\\.${key}\` \\|`, 'm'));
  }
  expect(reference).toMatch(/^\| `server\.port` \| integer, 0 to 65535 \| `3000` \| TCP port to listen on/m);
  expect(reference).toMatch(/^\| `login\.perAccount` \| \{limit, window\} \| `\{limit: 10, window: 15m\}` \|/m);
  expect(reference).toMatch(/^\| `database\.url` \| string \| none \|/m);
});
