import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Markdown without its fenced code blocks and code spans, where brackets are code, not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, text] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const plain = text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count ? `${slug}-${count}` : slug);
  }
  return result;
}

/** Every relative link of a page: [text](target) with no scheme. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(([, target]) => target).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

const links = PAGES.flatMap((page) => relativeLinks(readFileSync(join(ROOT, page), 'utf8')).map((target) => ({ page, target })));

test('the README and docs/ link to each other', () => {
  expect(links.filter(({ page }) => page === 'README.md').length).toBeGreaterThan(5);
  expect(links.some(({ target }) => target.includes('#'))).toBe(true);
});

test.each(links)('$page → $target exists', ({ page, target }) => {
  const [path, anchor] = target.split('#');
  const file = path ? resolve(dirname(join(ROOT, page)), decodeURIComponent(path)) : join(ROOT, page);
  expect(relative(ROOT, file).startsWith('..')).toBe(false);
  expect(existsSync(file)).toBe(true);
  if (anchor === undefined) return;
  expect(statSync(file).isFile() && file.endsWith('.md')).toBe(true);
  expect([...anchors(readFileSync(file, 'utf8'))]).toContain(anchor);
});

test('anchors follow GitHub: punctuation dropped, accents kept, repeats numbered', () => {
  expect([...anchors('# The `homeroom` command\n## Stopping a process: rolling updates\n## Écoles\n## SQLite\n## SQLite\n')]).toEqual([
    'the-homeroom-command',
    'stopping-a-process-rolling-updates',
    'écoles',
    'sqlite',
    'sqlite-1',
  ]);
});
