/**
 * `target` (an address or a path) as a path of the site at `issuer`, normalized, with its query and fragment; null
 * when a browser following it would leave the site. It is read the way a browser reads an href (the WHATWG URL
 * parser: tabs and line breaks dropped, `\` taken for `/`), then compared by origin, so `/<TAB>/evil.example`,
 * `/\evil.example` and `https:/\evil.example` all count as elsewhere. A path that would start with `//` is refused
 * too (`/.//evil.example` normalizes to one): written back into a page, it names another host.
 */
export function sameOriginPath(target: string, issuer: string): string | null {
  const base = new URL(issuer);
  let url: URL;
  try {
    url = new URL(target, base);
  } catch {
    return null;
  }
  if (url.origin !== base.origin || url.username || url.password || url.pathname.startsWith('//')) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
