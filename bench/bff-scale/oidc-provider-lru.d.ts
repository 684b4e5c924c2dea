// oidc-provider's own bounded cache (lib/helpers/lru.js), which its in-memory adapter keeps every record in.
// It ships no typings for its internals; this is the part keep-every-record.ts replaces.
declare module 'oidc-provider/lib/helpers/lru.js' {
  export default class LRU {
    constructor(options: { maxSize: number });
    get(key: string): unknown;
    set(key: string, value: unknown, options?: { maxAge?: number }): this;
    has(key: string): boolean;
    delete(key: string): boolean;
    clear(): void;
    readonly size: number;
  }
}
