// Heroku's regions, as Slipway has them: one, the platform itself (its hosts are wherever the
// operator runs them). Apps show it as their region; `heroku regions` lists it. Pure.
import type { RegionJson } from '../common/api-shapes.js';
import { stackId } from './stacks.js';

export const REGION_NAME = 'local';

/** The one region (its id a name-based UUID, as stacks': every control plane agrees on it). */
export const REGION: Omit<RegionJson, 'description'> = {
  id: stackId(`region:${REGION_NAME}`),
  name: REGION_NAME,
  country: null,
  locale: null,
  private_capable: false,
  provider: { name: 'slipway', region: REGION_NAME },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

/** The region as the API shows it, described in the provider's name. */
export function regionJson(brand: { name: string; cliCommand: string }): RegionJson {
  return { ...REGION, description: `This ${brand.name} platform's hosts`, provider: { name: brand.cliCommand, region: REGION_NAME } };
}
