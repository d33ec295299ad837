// The infra stack's secrets, in a module of their own so the CLI can name them without
// loading the Pulumi SDK.
export const SECRET_KEYS = ['adminToken', 'natsControlPlanePassword', 'natsRouterPassword', 'redisPassword'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
export const CONFIG_NAMESPACE = 'slipway';
