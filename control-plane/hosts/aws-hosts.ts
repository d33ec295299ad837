// Engine hosts on AWS, assembled: the auto scaling group's API (the SDK client, loaded only
// here), the ledger in Redis, the provider the operator's commands drive, and the handler that
// enrolls the group's instances. platform.ts calls this when SLIPWAY_HOST_PROVIDER=aws.
import type { Redis } from 'ioredis';
import type { Logger } from '../../common/logger.js';
import type { AutoScalingApi } from '../../host-providers/aws/auto-scaling.js';
import type { AwsHostSettings } from '../../host-providers/aws/hosts-settings.js';
import { AwsHostProvider } from '../../host-providers/aws/provider.js';
import type { HostStore } from '../store/hosts.js';
import { EnrollmentHandler } from './enrollment.js';
import { hostRecordIssuer } from './host-issuer.js';
import type { NatsHostUsers } from './nats-users.js';
import { RedisHostLedger } from './redis-host-ledger.js';

export interface AwsHostsDeps {
  redis: Redis;
  hosts: HostStore;
  natsUsers: NatsHostUsers | null;
  logger: Logger;
  /** Default: the AWS SDK client for the settings' region (and endpoint). */
  autoScaling?: AutoScalingApi;
}

export interface AwsHosts {
  provider: AwsHostProvider;
  enrollment: EnrollmentHandler;
}

export async function awsHosts(settings: AwsHostSettings, deps: AwsHostsDeps): Promise<AwsHosts> {
  const autoScaling =
    deps.autoScaling ??
    (await import('../../host-providers/aws/auto-scaling-sdk.js')).sdkAutoScaling({ region: settings.region, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) });
  const ledger = new RedisHostLedger(deps.redis, settings.enrollmentSecret);
  const provider = new AwsHostProvider({
    autoScaling,
    ledger,
    groupName: settings.engineGroupName,
    capacity: settings.engineCapacity,
    enrollTimeoutMs: settings.enrollTimeoutMs,
    logger: deps.logger.child({ part: 'aws-hosts' }),
  });
  const enrollment = new EnrollmentHandler({
    secret: settings.enrollmentSecret,
    groupName: settings.engineGroupName,
    autoScaling,
    ledger,
    issuer: hostRecordIssuer({ hosts: deps.hosts, natsUsers: deps.natsUsers, provider: provider.name, logger: deps.logger.child({ part: 'enrollment' }) }),
    logger: deps.logger.child({ part: 'enrollment' }),
  });
  return { provider, enrollment };
}
