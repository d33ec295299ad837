// How every part of the builder reaches the platform registry: the scheme (common/registry-auth
// decides, as Docker does) and the credentials file, read at each operation. Blob and manifest
// pushes, tags and the stack push go through registryClient; Engine pulls of the operator's
// stack images get engineAuthConfig.
import type { Dispatcher } from 'undici';
import { dockerAuthConfig, imageLivesIn, registryCredentialsFromFile, registryScheme, type DockerAuthConfig } from '../common/registry-auth.js';
import type { BuilderConfig } from './config.js';
import { RegistryClient, type RegistryClientOptions } from './oci/registry.js';

/** The parts of the builder's config that say how to reach the registry. */
export type RegistrySettings = Pick<BuilderConfig, 'registry' | 'registryAuthFile' | 'registryInsecure'>;

/** Pure: the RegistryClient options for `settings` (the credentials are a reader, not yet read). */
export function registryClientOptions(settings: RegistrySettings): RegistryClientOptions {
  return {
    secure: registryScheme(settings.registry, { insecure: settings.registryInsecure }) === 'https',
    credentials: registryCredentialsFromFile(settings.registryAuthFile, settings.registry),
  };
}

/** The client the builder talks to its registry with. */
export function registryClient(settings: RegistrySettings, options: { dispatcher?: Dispatcher } = {}): RegistryClient {
  return new RegistryClient(settings.registry, { ...registryClientOptions(settings), ...options });
}

/**
 * The Engine's auth config for pulling `reference`: the platform registry's credentials
 * (read now) when the image lives there, nothing for any other registry.
 */
export async function engineAuthConfig(settings: RegistrySettings, reference: string): Promise<DockerAuthConfig | undefined> {
  if (!settings.registryAuthFile || !imageLivesIn(reference, settings.registry)) return undefined;
  const credentials = await registryCredentialsFromFile(settings.registryAuthFile, settings.registry)();
  return dockerAuthConfig(credentials, settings.registry);
}
