// Every AWS resource carries the stack it belongs to and its role, so an operator (and an
// IAM condition) can tell Slipway's resources apart from anything else in the account.
export type Tags = Record<string, string>;

export const STACK_TAG = 'slipway:stack';
export const ROLE_TAG = 'slipway:role';

export function stackTags(stack: string): (role: string, name: string) => Tags {
  return (role, name) => ({ Name: `${stack}-${name}`, [STACK_TAG]: stack, [ROLE_TAG]: role });
}
