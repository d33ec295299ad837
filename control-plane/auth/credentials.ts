// Where a request carries its API token: `Authorization: Bearer <token>`, or Basic with the
// token as the password (what git sends); and what the owner of a disabled account is told.
/** What the owner of a disabled account is told, by the API and by git. */
export function disabledAccountMessage(user: { email: string }): string {
  return `The account ${user.email} is disabled: its tokens are refused. Ask an operator to enable it.`;
}

/** The user name and password of a Basic Authorization header, or null. */
export function basicCredentials(header: string | undefined): { name: string; password: string } | null {
  const [scheme, value] = (header ?? '').split(' ', 2);
  if (scheme?.toLowerCase() !== 'basic' || !value) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The user name of a Basic Authorization header (Heroku's `login -i` sends the email), or null. */
export function basicUserName(header: string | undefined): string | null {
  return basicCredentials(header)?.name ?? null;
}

/** The secret from an Authorization header: `Bearer <token>`, or Basic with the token as password (git). */
export function credentialsFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(' ', 2);
  if (!scheme || !value) return null;
  if (scheme.toLowerCase() === 'bearer') return value.trim();
  return basicCredentials(header)?.password ?? null;
}
