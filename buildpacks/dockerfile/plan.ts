// Docker builds, decided as data: which path builds an app (heroku.yml, else a root Dockerfile
// as Dokku does, unless buildpacks are set), what heroku.yml asks for, the `docker build` argv,
// the process types of the image, and what a failed build's output means. No I/O here.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BuildError } from '../errors.js';

export interface HerokuYml {
  /** The Dockerfile to build (relative to the app's root). */
  dockerfile: string;
  /** `build.config`: build args, as Heroku passes them. */
  buildArgs: Record<string, string>;
  /** `run`: commands by process type. */
  run: Record<string, string>;
  /** `release.command`, run as the release phase. */
  release: string | null;
}

const commandText = z.union([z.string().min(1), z.array(z.string()).min(1)]).transform((value) => (Array.isArray(value) ? shellJoin(value) : value));
const herokuYmlSchema = z.object({
  build: z
    .object({
      docker: z.record(z.string(), z.string().min(1)).optional(),
      config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
      languages: z.array(z.string()).optional(),
    })
    .optional(),
  run: z.record(z.string(), z.union([commandText, z.object({ command: commandText }).transform((entry) => entry.command)])).optional(),
  release: z.object({ command: commandText, image: z.string().optional() }).optional(),
});

/** Pure: heroku.yml's Docker build, or null when it builds with buildpacks (`build.languages`, or no `build.docker`). */
export function parseHerokuYml(text: string): HerokuYml | null {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new BuildError(`heroku.yml is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = herokuYmlSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new BuildError(`heroku.yml: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'} ${issue.message}`).join('; ')}`);
  }
  const { build, run, release } = parsed.data;
  if (!build?.docker || Object.keys(build.docker).length === 0) return null;
  const dockerfiles = [...new Set(Object.values(build.docker))];
  if (dockerfiles.length > 1) throw new BuildError(`heroku.yml: build.docker names ${dockerfiles.length} Dockerfiles; Slipway builds one image per app, which every process type runs.`);
  return { dockerfile: dockerfiles[0]!, buildArgs: build.config ?? {}, run: run ?? {}, release: release?.command ?? null };
}

export type BuildPath = { kind: 'buildpacks' } | { kind: 'docker'; dockerfile: string; herokuYml: HerokuYml | null };

/** Pure: which path builds the app. Buildpacks set on the app win; then heroku.yml decides;
 *  then a root Dockerfile means a Docker build (Dokku's rule). */
export function chooseBuildPath(rootFiles: ReadonlySet<string>, herokuYml: HerokuYml | null, buildpacksSet: boolean): BuildPath {
  if (buildpacksSet) return { kind: 'buildpacks' };
  if (herokuYml) return { kind: 'docker', dockerfile: herokuYml.dockerfile, herokuYml };
  if (rootFiles.has('Dockerfile')) return { kind: 'docker', dockerfile: 'Dockerfile', herokuYml: null };
  return { kind: 'buildpacks' };
}

/** Pure: a POSIX shell word for `word` (single quotes unless it is plainly safe). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** Pure: the command an image runs by itself (ENTRYPOINT then CMD), as one shell command, or null. */
export function imageCommand(config: { Entrypoint?: string | string[] | null; Cmd?: string | string[] | null }): string | null {
  const list = (value: string | string[] | null | undefined) => (value == null ? [] : Array.isArray(value) ? value : [value]);
  const words = [...list(config.Entrypoint), ...list(config.Cmd)];
  if (words.length === 0) return null;
  // A shell-form CMD is ["/bin/sh", "-c", "cmd"]: run its command as it is.
  if (words.length === 3 && /^\/bin\/(ba)?sh$/.test(words[0]!) && words[1] === '-c') return words[2]!;
  return shellJoin(words);
}

/** Pure: the process types of a Docker-built app: heroku.yml's `run`, else the Procfile's, else the image's command as `web`. */
export function dockerProcessTypes(herokuYml: HerokuYml | null, procfile: Record<string, string> | null, image: string | null): Record<string, string> {
  const types: Record<string, string> = herokuYml && Object.keys(herokuYml.run).length > 0 ? { ...herokuYml.run } : procfile ? { ...procfile } : image ? { web: image } : {};
  if (herokuYml?.release) types.release = herokuYml.release;
  return types;
}

export interface DockerBuildInput {
  contextDir: string;
  dockerfile: string;
  tag: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
}

/** Pure: the `docker build` argv (BuildKit, plain progress for the push's output). */
export function dockerBuildArgv(input: DockerBuildInput): string[] {
  const argv = ['build', '--progress=plain', '--file', input.dockerfile, '--tag', input.tag];
  for (const [name, value] of Object.entries(input.buildArgs)) argv.push('--build-arg', `${name}=${value}`);
  for (const [name, value] of Object.entries(input.labels)) argv.push('--label', `${name}=${value}`);
  argv.push(input.contextDir);
  return argv;
}

/** Pure: the base image a failed build could not get, or null: BuildKit's plain progress
 *  names it in a `#N [internal] load metadata for <image>` step that then reports `#N ERROR`. */
export function unpullableBase(output: string): string | null {
  const steps = new Map<string, string>();
  for (const line of output.split('\n')) {
    const metadata = /#(\d+) \[internal\] load metadata for (\S+)/.exec(line);
    if (metadata) steps.set(metadata[1]!, metadata[2]!);
    const error = /#(\d+) ERROR/.exec(line);
    const image = error ? steps.get(error[1]!) : undefined;
    if (image) return image.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
  }
  return null;
}

/** Pure: Dockerfile text with every RUN cache mount given an id under `scope`, so that apps
 *  never share (read or poison) each other's BuildKit cache mounts on the shared engine. */
export function scopeCacheMounts(dockerfile: string, scope: string): string {
  return dockerfile.replace(/--mount=((?:[^\s"']|"[^"]*")+)/g, (flag: string, spec: string) => {
    const fields = spec.split(',');
    if (!fields.includes('type=cache')) return flag;
    const id = fields.find((field) => field.startsWith('id='))?.slice(3) ?? fields.find((field) => field.startsWith('target=') || field.startsWith('dst=') || field.startsWith('destination='))?.split('=')[1] ?? 'cache';
    const rest = fields.filter((field) => !field.startsWith('id='));
    return `--mount=${[...rest, `id=${scope}${id.startsWith('/') ? '' : '/'}${id}`].join(',')}`;
  });
}

/** Pure: whether an image reference names a registry (its first part has a dot or a port, or is localhost). */
function namesRegistry(reference: string): boolean {
  const first = reference.split('/')[0]!;
  return reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/**
 * Pure: the Dockerfile with its Docker Hub images taken from the operator's mirror
 * (`node:22` → `<mirror>/library/node:22`), in `FROM` lines and `COPY --from=<image>`. Kept as
 * they are: images that name a registry, `scratch`, earlier stages (by name or index),
 * references through build args, and what `keep` says is local (the stack's images).
 */
export function mirrorBaseImages(dockerfile: string, mirror: string, keep: (reference: string) => boolean): string {
  const stages = new Set<string>();
  const mirrored = (image: string): string | null => {
    const local = image === 'scratch' || image.includes('$') || /^\d+$/.test(image) || stages.has(image.toLowerCase()) || keep(image) || namesRegistry(image);
    return local ? null : `${mirror.replace(/\/+$/, '')}/${image.includes('/') ? image : `library/${image}`}`;
  };
  return dockerfile
    .split('\n')
    .map((line) => {
      const copy = /^(\s*COPY\s+(?:--\S+\s+)*?--from=)(\S+)(.*)$/i.exec(line);
      if (copy) {
        const [, head, image, rest] = copy as unknown as [string, string, string, string];
        const to = mirrored(image);
        return to ? `${head}${to}${rest}` : line;
      }
      const from = /^(\s*FROM\s+(?:--\S+\s+)*)(\S+)(.*)$/i.exec(line);
      if (!from) return line;
      const [, head, image, rest] = from as unknown as [string, string, string, string];
      const to = mirrored(image);
      const stage = /^\s+AS\s+(\S+)/i.exec(rest)?.[1];
      if (stage) stages.add(stage.toLowerCase());
      return to ? `${head}${to}${rest}` : line;
    })
    .join('\n');
}
