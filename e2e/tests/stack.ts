/** Ports of the test stack; distinct from `npm start`'s 4200/4400 so both can run at once. */
export const ports = {
  demo: 4210,
  idp: 4410,
  /** A second dev provider whose tokens live only `shortTtlSeconds`. */
  shortIdp: 4411,
  shortTtlSeconds: 8,
} as const;

export const demoOrigin = `http://localhost:${ports.demo}`;
export const idpIssuer = `http://localhost:${ports.idp}`;
export const shortIdpIssuer = `http://localhost:${ports.shortIdp}`;
