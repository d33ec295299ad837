// Tags an image already in the registry (the control plane adds `v<N>` once release N exists).
import { registryClient, type RegistrySettings } from './registry-access.js';

export async function tagImage(registry: RegistrySettings, repository: string, digest: string, tag: string): Promise<void> {
  await registryClient(registry).tagManifest(repository, digest, tag);
}
