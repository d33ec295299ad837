import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import { chooseBuildPath, dockerBuildArgv, dockerProcessTypes, imageCommand, mirrorBaseImages, parseHerokuYml, scopeCacheMounts, shellQuote, unpullableBase } from './plan.js';

describe('parseHerokuYml and chooseBuildPath', () => {
  const yml = ['build:', '  docker:', '    web: Dockerfile.web', '    worker: Dockerfile.web', '  config:', '    RAILS_ENV: production', '    WORKERS: 4', 'release:', '  command: ["./migrate", "--all"]', 'run:', '  web: bundle exec puma', '  worker:', '    command: ["sidekiq"]', ''].join('\n');

  it("reads Heroku's build.docker, build.config, release and run", () => {
    expect(parseHerokuYml(yml)).toEqual({
      dockerfile: 'Dockerfile.web',
      buildArgs: { RAILS_ENV: 'production', WORKERS: '4' },
      run: { web: 'bundle exec puma', worker: 'sidekiq' },
      release: './migrate --all',
    });
  });

  it('leaves a heroku.yml without build.docker to the buildpacks, and refuses what it cannot do', () => {
    expect(parseHerokuYml('build:\n  languages: [ruby]\n')).toBeNull();
    expect(parseHerokuYml('')).toBeNull();
    expect(() => parseHerokuYml('build:\n  docker:\n    web: A\n    worker: B\n')).toThrow(/names 2 Dockerfiles/);
    expect(() => parseHerokuYml('build: [')).toThrow(BuildError);
    expect(() => parseHerokuYml('run: 3')).toThrow(/heroku.yml: run/);
  });

  it('lets buildpacks set on the app win, then heroku.yml, then a root Dockerfile', () => {
    const withDockerfile = new Set(['Dockerfile', 'package.json']);
    const fromYml = parseHerokuYml(yml);
    expect(chooseBuildPath(withDockerfile, fromYml, true)).toEqual({ kind: 'buildpacks' });
    expect(chooseBuildPath(withDockerfile, fromYml, false)).toEqual({ kind: 'docker', dockerfile: 'Dockerfile.web', herokuYml: fromYml });
    expect(chooseBuildPath(withDockerfile, null, false)).toEqual({ kind: 'docker', dockerfile: 'Dockerfile', herokuYml: null });
    expect(chooseBuildPath(new Set(['package.json']), null, false)).toEqual({ kind: 'buildpacks' });
  });
});

describe('process types of an image', () => {
  it("runs the image's own command as web: exec form quoted, shell form as it is", () => {
    expect(imageCommand({ Entrypoint: ['docker-entrypoint.sh'], Cmd: ['node', 'server.js', "it's"] })).toBe("docker-entrypoint.sh node server.js 'it'\\''s'");
    expect(imageCommand({ Cmd: ['/bin/sh', '-c', 'npm start && echo done'] })).toBe('npm start && echo done');
    expect(imageCommand({ Entrypoint: null, Cmd: null })).toBeNull();
    expect(shellQuote('a b')).toBe("'a b'");
  });

  it('prefers heroku.yml run, then the Procfile, then the image; heroku.yml adds the release phase', () => {
    const yml = { dockerfile: 'Dockerfile', buildArgs: {}, run: { web: 'puma' }, release: 'migrate' };
    expect(dockerProcessTypes(yml, { web: 'rails s' }, 'node x')).toEqual({ web: 'puma', release: 'migrate' });
    expect(dockerProcessTypes(null, { web: 'rails s', worker: 'jobs' }, 'node x')).toEqual({ web: 'rails s', worker: 'jobs' });
    expect(dockerProcessTypes(null, null, 'node x')).toEqual({ web: 'node x' });
    expect(dockerProcessTypes(null, null, null)).toEqual({});
  });
});

describe('the build itself', () => {
  it('builds as argv, build args and labels as single words', () => {
    expect(dockerBuildArgv({ contextDir: '/w/app', dockerfile: '/w/app/Dockerfile', tag: 'r:5000/apps/x:b1', buildArgs: { A: 'x y; rm -rf /' }, labels: { 'io.slipway.app': 'x' } })).toEqual([
      'build', '--progress=plain', '--file', '/w/app/Dockerfile', '--tag', 'r:5000/apps/x:b1', '--build-arg', 'A=x y; rm -rf /', '--label', 'io.slipway.app=x', '/w/app',
    ]);
  });

  it("scopes every cache mount to the app, keeping other mounts as they are", () => {
    const dockerfile = [
      'RUN --mount=type=cache,target=/root/.npm npm ci',
      'RUN --mount=type=cache,id=gems,target=/gems --mount=type=bind,source=a,target=/a bundle',
      'RUN echo --mount=type=tmpfs,target=/t',
    ].join('\n');
    expect(scopeCacheMounts(dockerfile, 'app-1')).toBe([
      'RUN --mount=type=cache,target=/root/.npm,id=app-1/root/.npm npm ci',
      'RUN --mount=type=cache,target=/gems,id=app-1/gems --mount=type=bind,source=a,target=/a bundle',
      'RUN echo --mount=type=tmpfs,target=/t',
    ].join('\n'));
  });

  it('names the base image BuildKit could not load', () => {
    const output = ['#3 [internal] load metadata for docker.io/library/ruby:3.3', '#3 sha256:abc', '#3 ERROR: failed to do request: dial tcp: no such host', 'failed to solve'].join('\n');
    expect(unpullableBase(output)).toBe('ruby:3.3');
    expect(unpullableBase('#3 [internal] load metadata for 127.0.0.1:1/x:1\n#3 DONE 0.0s\n#5 ERROR: exit code 1')).toBeNull();
  });
});

describe('mirrorBaseImages', () => {
  it("takes Docker Hub images from the operator's mirror, and leaves stages, registries, args, scratch and the stack alone", () => {
    const dockerfile = [
      'FROM node:22 AS build',
      'FROM --platform=linux/amd64 bitnami/redis:7',
      'FROM build',
      'FROM ghcr.io/acme/base:1 AS other',
      'FROM localhost:5000/x',
      'FROM ${BASE}',
      'FROM scratch',
      'FROM slipway/stack:bookworm',
      'RUN echo FROM node:22',
      'COPY --from=build /app /app',
      'COPY --from=0 /a /a',
      'COPY --chown=app --from=busybox:1.36 /bin/busybox /bin/',
      'COPY --from=ghcr.io/acme/tools:2 /t /t',
    ].join('\n');
    expect(mirrorBaseImages(dockerfile, 'mirror.internal/hub/', (ref) => ref === 'slipway/stack:bookworm').split('\n')).toEqual([
      'FROM mirror.internal/hub/library/node:22 AS build',
      'FROM --platform=linux/amd64 mirror.internal/hub/bitnami/redis:7',
      'FROM build',
      'FROM ghcr.io/acme/base:1 AS other',
      'FROM localhost:5000/x',
      'FROM ${BASE}',
      'FROM scratch',
      'FROM slipway/stack:bookworm',
      'RUN echo FROM node:22',
      'COPY --from=build /app /app',
      'COPY --from=0 /a /a',
      'COPY --chown=app --from=mirror.internal/hub/library/busybox:1.36 /bin/busybox /bin/',
      'COPY --from=ghcr.io/acme/tools:2 /t /t',
    ]);
  });
});
