// Tags an image already in the registry (the control plane adds `v<N>` once release N exists).
import { RegistryClient } from './oci/registry.js';

export async function tagImage(registry: string, repository: string, digest: string, tag: string): Promise<void> {
  await new RegistryClient(registry).tagManifest(repository, digest, tag);
}
