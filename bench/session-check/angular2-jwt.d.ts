// The tutorial's angular2-jwt 0.2.3, installed apart in bench/angular2-jwt and resolved by the bundler
// (bench/bundle.ts). Its own typings import Angular 2's @angular/http; this is the part the benchmark uses.
declare module 'angular2-jwt' {
  /** True when `localStorage[tokenName]` (or `jwt`) holds a JWT whose `exp` is in the future. */
  export function tokenNotExpired(tokenName?: string, jwt?: string): boolean;
}
