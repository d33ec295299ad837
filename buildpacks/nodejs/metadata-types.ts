// The slice of npm registry package metadata the Node.js buildpack reads, validated.
import { z } from 'zod';

export const versionInfoSchema = z.object({
  version: z.string(),
  engines: z.record(z.string(), z.string()).or(z.array(z.unknown())).optional().catch(undefined),
  deprecated: z.union([z.string(), z.boolean()]).optional(),
  bin: z.union([z.string(), z.record(z.string(), z.string())]).optional().catch(undefined),
  scripts: z.record(z.string(), z.string()).optional().catch(undefined),
  dist: z.object({ tarball: z.string(), integrity: z.string().optional(), shasum: z.string().optional() }),
});

export const packageMetadataSchema = z.object({
  name: z.string(),
  versions: z.record(z.string(), versionInfoSchema),
});

export type VersionInfo = z.infer<typeof versionInfoSchema>;
export type PackageMetadata = z.infer<typeof packageMetadataSchema>;

/** `engines` as a record (some old packages published an array). */
export function enginesOf(info: VersionInfo): Record<string, string> {
  return info.engines && !Array.isArray(info.engines) ? info.engines : {};
}
