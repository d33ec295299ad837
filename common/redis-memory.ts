// Slipway's own Redis (the supervisor's, the AWS control plane's on-host one) holds platform
// state only: a bound on its memory, so a runaway tenant meets a refused write (the API's 507)
// rather than the OOM killer, and no eviction, so no platform key ever disappears.
export const DEFAULT_REDIS_MAXMEMORY_MB = 256;
export const REDIS_MAXMEMORY_POLICY = 'noeviction';
