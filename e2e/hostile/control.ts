// The test side of the hostile provider: its issuers, its recorded requests, its switches.
import { hostileOrigin } from '../tests/stack.ts';
import type { CaseControl, Endpoint, RecordedRequest } from './hostile-provider.ts';

export type { Endpoint, RecordedRequest };

/** The issuer of one case: `http://127.0.0.1:<port>/<case>`. */
export function hostileIssuer(name: string): string {
  return `${hostileOrigin}/${name}`;
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${hostileOrigin}${path}`, { method, ...(body !== undefined && { body: JSON.stringify(body) }) });
  if (!response.ok) throw new Error(`hostile provider: ${method} ${path} answered ${response.status}`);
  return response;
}

/** Every request the case received so far, in order. */
export async function recordedRequests(name: string): Promise<RecordedRequest[]> {
  return (await call('GET', `/__requests/${name}`)).json() as Promise<RecordedRequest[]>;
}

/** Starts the case afresh: no recorded requests, codes or tokens, up, its first signing key. */
export async function resetCase(name: string): Promise<void> {
  await call('DELETE', `/__requests/${name}`);
}

/** Takes the case down or up, or rotates its signing key. */
export async function controlCase(name: string, change: CaseControl): Promise<void> {
  await call('POST', `/__control/${name}`, change);
}

/** The endpoints requested, in order: `['discovery', 'authorize', …]`. */
export function endpoints(requests: readonly RecordedRequest[]): Endpoint[] {
  return requests.map((r) => r.endpoint);
}
