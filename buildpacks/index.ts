// The builder's public interface, called by the control plane: prepare a stack once (bookworm, trixie), then
// build apps into images in the platform's registry.
export { buildApp, DEFAULT_MAX_SOURCE_BYTES, removeAppCaches, type BuildOutcome, type BuildRequest } from './build.js';
export {
  builderConfig,
  DEFAULT_CA_FILE,
  DEFAULT_LIMITS,
  DEFAULT_NPM_REGISTRY,
  type BuilderConfig,
  type BuilderConfigInput,
  type BuildLimits,
  type StackImages,
} from './config.js';
export { ensureBuildNetwork } from './build-network.js';
export { ensureAddonImage, type AddonImage } from './addons/images.js';
export { BuildError, RegistryError, StackError } from './errors.js';
export { ensureStack, type EnsureStackOptions, type Stack } from './stack/ensure.js';
export { BOOKWORM_RECIPE, DEFAULT_STACK_RECIPE, STACK_RECIPES, stackRecipe, TRIXIE_RECIPE, type StackRecipe } from './stack/recipe.js';
export { tagImage } from './tag.js';
export { RegistryClient } from './oci/registry.js';
export { registryClient, type RegistrySettings } from './registry-access.js';
export { appRepository, pullReference } from '../common/image-reference.js';
export {
  buildpackListProblems,
  builtinNames,
  MAX_BUILDPACKS,
  parseBuildpackReference,
  type BuildpackReference,
  type BuildpackRegistry,
} from './classic/reference.js';
export { loadBuildpackRegistry } from './classic/registry-file.js';
export { BUILDPACKS } from './list.js';
