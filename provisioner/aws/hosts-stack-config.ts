// The hosts stack's config keys, shared by the program that reads them (hosts-program.ts) and
// the provider that writes them (provider.ts). Tokens are stored as a Pulumi secret.
import type { HostSet } from './host-set.js';
import type { HostsStackSettings } from './hosts-settings.js';

export const HOSTS_CONFIG = {
  region: 'aws:region',
  infraStack: 'slipway:infraStack',
  launchTemplateId: 'slipway:launchTemplateId',
  engineInstanceType: 'slipway:engineInstanceType',
  natsAddress: 'slipway:natsAddress',
  registry: 'slipway:registry',
  agentImage: 'slipway:agentImage',
  placements: 'slipway:hostPlacements',
  tokens: 'slipway:hostTokens',
} as const;

export interface ConfigEntry {
  value: string;
  secret: boolean;
}

/** Config that follows from the infra stack (set on every provider start; cheap and idempotent). */
export function staticHostsConfig(settings: HostsStackSettings): Record<string, ConfigEntry> {
  const plain = (value: string) => ({ value, secret: false });
  return {
    [HOSTS_CONFIG.region]: plain(settings.region),
    [HOSTS_CONFIG.infraStack]: plain(settings.infraStack),
    [HOSTS_CONFIG.launchTemplateId]: plain(settings.launchTemplateId),
    [HOSTS_CONFIG.engineInstanceType]: plain(settings.engineInstanceType),
    [HOSTS_CONFIG.natsAddress]: plain(settings.natsAddress),
    [HOSTS_CONFIG.registry]: plain(settings.registry),
    [HOSTS_CONFIG.agentImage]: plain(settings.agentImage),
  };
}

export function hostSetConfig(set: HostSet): Record<string, ConfigEntry> {
  return {
    [HOSTS_CONFIG.placements]: { value: JSON.stringify(set.placements), secret: false },
    [HOSTS_CONFIG.tokens]: { value: JSON.stringify(set.tokens), secret: true },
  };
}
