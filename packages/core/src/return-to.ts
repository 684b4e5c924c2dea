/**
 * Resolves a return URL against the app's origin and keeps only the same origin's path, query and
 * hash. Anything that would leave the origin (`//host`, `/\host`, `https://other`, `javascript:`,
 * encoded or tab-split variants) becomes `fallback`.
 *
 * @see RFC 9700 §4.11 (open redirectors)
 */
export function safeReturnTo(returnTo: unknown, origin: string, fallback = '/'): string {
  if (typeof returnTo !== 'string' || returnTo === '' || returnTo.length > 2048) return fallback;
  // The URL parser drops tabs and newlines; refuse control characters outright instead of guessing.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(returnTo)) return fallback;
  let url: URL;
  try {
    url = new URL(returnTo, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin || (url.protocol !== 'https:' && url.protocol !== 'http:')) return fallback;
  const path = url.pathname;
  // "//host" or "/\host" as a path would be read as another origin by the next parser.
  if (path.startsWith('//') || path.startsWith('/\\')) return fallback;
  return path + url.search + url.hash;
}
