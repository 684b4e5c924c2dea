/** A module an app's bundle must not contain, matched on its path in the build's metafile (esbuild's `inputs`). */
export interface ModuleRule {
  /** How the report names it. */
  readonly label: string;
  readonly pattern: RegExp;
}

// esbuild names a workspace package by its real path (packages/core/…); through node_modules it would be @latchkey/core/….
const core = String.raw`(?:^|/)(?:packages/core|node_modules/@latchkey/core)/dist/`;

/**
 * What BFF mode's browser side must leave out: the sign-in protocol and its flows (they run on the app's
 * server, in `@latchkey/bff`), oauth4webapi, and browser mode's session engine.
 */
export const NOT_IN_BFF_MODE: readonly ModuleRule[] = [
  { label: 'protocol/', pattern: new RegExp(`${core}protocol/`) },
  { label: 'flows/', pattern: new RegExp(`${core}flows/`) },
  { label: 'oauth4webapi', pattern: /(?:^|\/)node_modules\/oauth4webapi\// },
  { label: 'browser-session', pattern: new RegExp(`${core}session/browser-session\\.js$`) },
];

/** The modules each rule matches, by the rule's label (an empty list: none). */
export function modulesMatching(modules: Iterable<string>, rules: readonly ModuleRule[]): Map<string, string[]> {
  const found = new Map<string, string[]>(rules.map((rule) => [rule.label, []]));
  for (const module of modules) for (const rule of rules) if (rule.pattern.test(module)) found.get(rule.label)?.push(module);
  return found;
}
