const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** @internal `https:`, or plain `http:` on a loopback host (the dev provider). */
export function isAllowedEndpoint(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname));
}

export function isLoopback(url: URL): boolean {
  return loopbackHosts.has(url.hostname);
}
