/** Development-only accounts. The password of each is its user name. */
export interface Account {
  readonly username: string;
  readonly password: string;
  readonly claims: {
    readonly sub: string;
    readonly name: string;
    readonly email: string;
    readonly email_verified: boolean;
  };
}

export const accounts: readonly Account[] = [
  {
    username: 'alice',
    password: 'alice',
    claims: { sub: 'alice', name: 'Alice Liddell', email: 'alice@example.com', email_verified: true },
  },
  {
    username: 'bob',
    password: 'bob',
    claims: { sub: 'bob', name: 'Bob Builder', email: 'bob@example.com', email_verified: true },
  },
];

export function findAccount(sub: string): Account | undefined {
  return accounts.find((account) => account.claims.sub === sub);
}

/** Checks a username and password in constant time per account, so timing tells nothing. */
export function authenticate(username: string, password: string): Account | undefined {
  let found: Account | undefined;
  for (const account of accounts) {
    const userOk = safeEqual(account.username, username);
    const passOk = safeEqual(account.password, password);
    if (userOk && passOk) found = account;
  }
  return found;
}

function safeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  }
  return diff === 0;
}
