import type { DOMPurify } from 'dompurify';
import type { JSDOM as JSDOMClass } from 'jsdom';

/**
 * Loaded on the first SVG upload: the server-side DOM takes most of a second to load, and every process (the CLI's
 * too) would pay for it at start, for an upload that few make.
 */
let loaded: Promise<{ dompurify: DOMPurify; JSDOM: typeof JSDOMClass }> | null = null;

function sanitizer() {
  loaded ??= Promise.all([import('dompurify'), import('jsdom')]).then(([purify, jsdom]) => ({
    dompurify: purify.default(new jsdom.JSDOM('').window as unknown as Window & typeof globalThis),
    JSDOM: jsdom.JSDOM,
  }));
  return loaded;
}

/** The elements DOMPurify wraps a fragment in to parse it; their removal is its own doing, not the file's. */
const WRAPPERS = new Set(['HTML', 'HEAD', 'BODY']);

export type SvgIconResult = { ok: true; svg: string } | { ok: false; problem: 'iconUnsafe' | 'iconType' };

/** Well-formed XML with an svg root in the SVG namespace: how browsers read an image/svg+xml file. */
function isSvgDocument(JSDOM: typeof JSDOMClass, text: string): boolean {
  try {
    const root = new JSDOM(text, { contentType: 'image/svg+xml' }).window.document.documentElement;
    return root.localName === 'svg' && root.namespaceURI === 'http://www.w3.org/2000/svg';
  } catch {
    return false;
  }
}

/**
 * An uploaded SVG icon through DOMPurify's SVG allow-list (the elements, attributes and URL schemes its maintainers
 * keep up to date). It is kept only when the allow-list removed nothing, and then in its sanitized form: a file with
 * anything else (scripts in any namespace, event handlers set directly or through animation, links to javascript: or
 * data:, embedded documents) is refused, so the person uploading learns that what they see is not what they sent.
 * DOMPurify parses as HTML (its XML mode drops mixed-case SVG attributes such as viewBox), so both the upload and the
 * result must also be well-formed SVG documents, as a browser reads the file.
 */
export async function sanitizeSvgIcon(text: string): Promise<SvgIconResult> {
  const { dompurify, JSDOM } = await sanitizer();
  if (!isSvgDocument(JSDOM, text)) return { ok: false, problem: 'iconType' };
  const svg = dompurify.sanitize(text, { USE_PROFILES: { svg: true, svgFilters: true }, RETURN_TRUSTED_TYPE: false }) as string;
  const removed = dompurify.removed.filter((r) => !('element' in r && WRAPPERS.has((r.element as Element).nodeName)));
  if (removed.length) return { ok: false, problem: 'iconUnsafe' };
  if (!svg.startsWith('<svg') || !isSvgDocument(JSDOM, svg)) return { ok: false, problem: 'iconType' };
  return { ok: true, svg };
}
