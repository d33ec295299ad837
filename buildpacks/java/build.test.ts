// Integration: Java apps built by the real builder on the real stack, Docker Engine, registry,
// Debian's packages (the JDK) and Maven Central (Maven and the app's dependencies, through the
// operator's CA bundle); the images are pulled by digest and run, answering on 127.0.0.1.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../supervisor/services.js';
import { startTestRegistry } from '../../test/support/services.js';
import { appCacheDir, buildApp, removeAppCaches, type BuildOutcome } from '../build.js';
import type { BuilderConfig } from '../config.js';
import { BuildError } from '../errors.js';
import { ensureStack, type Stack } from '../stack/ensure.js';
import { fixtureFiles, gitArchiveOf, pullBuiltImage, removeTestContainers, runInImage, serveOnce, testBuilderConfig, uniqueAppName } from '../testing/build-fixtures.js';

const docker = new Docker();
let registry: RunningService;
let config: BuilderConfig;
let stack: Stack;
let javalin: Record<string, string>;
const pulled: string[] = [];
const apps: string[] = [];
const APP_JAVA = 'src/main/java/hello/App.java';

beforeAll(async () => {
  registry = await startTestRegistry();
  config = testBuilderConfig(registry.url);
  stack = await ensureStack(docker, config, (line) => console.log(line));
  javalin = await fixtureFiles('java-javalin');
}, 900_000);

afterAll(async () => {
  await removeTestContainers(docker);
  for (const ref of pulled) await docker.getImage(ref).remove().catch(() => undefined);
  for (const appId of apps) await removeAppCaches(config.cacheDir, appId);
  await registry?.stop();
});

async function build(appName: string, files: Record<string, string>, buildConfig: BuilderConfig = config, configVars: Record<string, string> = {}) {
  const appId = `id-${appName}`;
  apps.push(appId);
  const lines: string[] = [];
  const buildId = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const started = Date.now();
  const run = buildApp(docker, buildConfig, stack, { buildId, appName, appId, source: Readable.from(await gitArchiveOf(files)), configVars, log: (line) => void lines.push(line) });
  return { run: run.finally(() => console.log(`${appName}: ${Date.now() - started} ms\n${lines.join('\n')}`)), lines, appId };
}

const pull = (outcome: BuildOutcome): Promise<string> => pullBuiltImage(docker, registry.url, outcome.image, pulled);

/** Every file under `dir`, relative. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length)).sort();
}

describe('a Maven app (Javalin, shaded jar)', () => {
  const appName = uniqueAppName('javalin');
  let first: BuildOutcome;

  it('builds on OpenJDK 17 from Debian with Maven from the Maven repository, and serves from the runnable jar', async () => {
    const { run, lines } = await build(appName, javalin);
    first = await run;
    expect(first.buildpack).toBe('slipway/java');
    expect(first.versions.java).toMatch(/^17\./);
    expect(first.versions.maven).toBe('3.9.16');
    expect(first.processTypes).toEqual({ web: 'java -Dserver.port=$PORT $JAVA_OPTS -jar target/hello-1.0.0.jar' });
    expect(lines).toContain('-----> Java app detected');
    expect(lines).toContain('       system.properties asks for Java 17: using Debian\'s OpenJDK 17');
    expect(lines).toContain('-----> Building with Maven');
    expect(lines).toContain('       [INFO] BUILD SUCCESS');
    expect(lines).toContain('       Runnable jar: target/hello-1.0.0.jar (Main-Class hello.App)');
    expect(first.timings).toHaveProperty('build');

    const image = await pull(first);
    const inspected = await docker.getImage(image).inspect();
    expect(inspected.Config.User).toBe('1000:1000');
    expect(inspected.Config.Env).toEqual(expect.arrayContaining(['JAVA_OPTS=-XX:MaxRAMPercentage=80.0 -Dfile.encoding=UTF-8']));
    console.log(`image size ${inspected.Size} bytes (uncompressed), uploaded ${first.bytesUploaded} bytes`);
    const served = await serveOnce(docker, image, first.processTypes.web!);
    expect(served.body).toBe('Hello from Java v1 on Java 17');
    // No JDK (javac) and no Maven in the image: the JRE runs the app.
    const tools = await runInImage(docker, image, [
      'bash',
      '-c',
      'command -v java; command -v javac || echo no-javac; command -v mvn || echo no-mvn; ls /app/target; test -s /etc/ssl/certs/java/cacerts && echo has-cacerts',
    ]);
    expect(tools.output).toContain('/usr/lib/jvm/java-17-openjdk-');
    expect(tools.output).toContain('no-javac');
    expect(tools.output).toContain('no-mvn');
    expect(tools.output).toContain('hello-1.0.0.jar');
    // Debian's CA store for the JRE, so apps can make HTTPS calls of their own.
    expect(tools.output).toContain('has-cacerts');
  }, 900_000);

  it('rebuilds a code-only change from the warm ~/.m2 (nothing downloaded), uploading only the app layer', async () => {
    const repository = join(appCacheDir(config.cacheDir, `id-${appName}`), 'm2', 'repository');
    const before = await filesUnder(repository);
    expect(before.some((path) => path.includes('io/javalin/javalin/6.7.0/'))).toBe(true);
    const { run, lines } = await build(appName, { ...javalin, [APP_JAVA]: javalin[APP_JAVA]!.replace('Java v1', 'Java v2') });
    const second = await run;
    expect(await filesUnder(repository)).toEqual(before);
    expect(lines).toContain('       Using the cached Maven');
    expect(second.layersUploaded).toBe(1);
    const served = await serveOnce(docker, await pull(second), second.processTypes.web!);
    expect(served.body).toBe('Hello from Java v2 on Java 17');
  }, 900_000);

  it('runs the goals and options of MAVEN_CUSTOM_GOALS and MAVEN_CUSTOM_OPTS (here: validate only, so no jar and no web process)', async () => {
    const custom = { MAVEN_CUSTOM_GOALS: 'clean validate', MAVEN_CUSTOM_OPTS: '-DskipTests -Dcustom.opt=yes' };
    const { run, lines } = await build(appName, javalin, config, custom);
    const outcome = await run;
    const command = lines.find((line) => line.includes('/bin/mvn '));
    expect(command).toMatch(/ -DskipTests -Dcustom\.opt=yes clean validate$/);
    expect(lines.some((line) => /Building jar|maven-shade-plugin/.test(line))).toBe(false);
    expect(outcome.processTypes.web).toBeUndefined();
  }, 900_000);
});

describe('Java build failures', () => {
  const fails = async (files: Record<string, string>, buildConfig?: BuilderConfig) => {
    const { run, lines } = await build(uniqueAppName('javabad'), files, buildConfig);
    const err = await run.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    return { err: err as BuildError, lines };
  };

  it('names the Java versions each stack offers for one the stack does not have', async () => {
    const { err, lines } = await fails({ ...javalin, 'system.properties': 'java.runtime.version=11\n' });
    expect(err.reason).toBe('Java 11 is not available on the bookworm stack (system.properties: java.runtime.version=11).');
    expect(lines).toContain(' !     Stacks offer: bookworm Java 17; trixie Java 21.');
  });

  it('fails a compile error with the compiler\'s message (Maven named by the app\'s wrapper)', async () => {
    const { err, lines } = await fails({
      ...javalin,
      [APP_JAVA]: javalin[APP_JAVA]!.replace('static final String GREETING', 'static final Strin GREETING'),
      // The wrapper's script is never run; its Maven version is installed from the operator's repository.
      mvnw: '#!/bin/sh\necho the wrapper script ran; exit 3\n',
      '.mvn/wrapper/maven-wrapper.properties':
        'wrapperVersion=3.3.2\ndistributionUrl=https://unreachable.example.test/maven2/org/apache/maven/apache-maven/3.9.16/apache-maven-3.9.16-bin.zip\n',
    });
    expect(lines).toContain('       mvnw found: using the Maven its wrapper names, 3.9.16 (installed by the platform; the script is not run)');
    expect(err.reason).toBe('The Maven build failed (exit code 1).');
    expect(lines.some((line) => /\[ERROR\] .*App\.java:\[\d+,\d+\] cannot find symbol/.test(line))).toBe(true);
    expect(lines).toContain('       [INFO] BUILD FAILURE');
  }, 900_000);

  it('says Gradle is not available here, and why', async () => {
    const { err, lines } = await fails({
      'settings.gradle': "rootProject.name = 'hello'\n",
      'build.gradle': "plugins { id 'application' }\n",
      [APP_JAVA]: javalin[APP_JAVA]!,
    });
    expect(err.reason).toBe('Gradle builds are not available on this platform.');
    expect(lines).toContain('-----> Java app detected');
    expect(lines.some((line) => line.includes('services.gradle.org'))).toBe(true);
  });

  it('refuses a Maven wrapper whose distribution is not Apache Maven', async () => {
    const { err } = await fails({
      ...javalin,
      mvnw: '#!/bin/sh\necho never run\n',
      '.mvn/wrapper/maven-wrapper.properties': 'distributionUrl=https://downloads.example.test/mvnd-1.0.2-linux-amd64.zip\n',
    });
    expect(err.reason).toBe('.mvn/wrapper/maven-wrapper.properties names a distribution this platform cannot install.');
  });

  it('fails Maven\'s downloads when the CA bundle lacks the CA the Maven repository is reached through', async () => {
    // One certificate from the bundle that is not the one outbound TLS presents: Java must
    // trust exactly the operator's bundle, not a CA store of its own.
    const bundle = join(config.workDir, `unrelated-ca-${process.pid}.crt`);
    const all = await readFile(config.caFile, 'utf8');
    const first = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/.exec(all)![0];
    await writeFile(bundle, first);
    const { err, lines } = await fails(javalin, { ...config, caFile: bundle });
    expect(err.reason).toBe('The Maven build failed (exit code 1).');
    expect(lines.some((line) => line.includes('PKIX path building failed'))).toBe(true);
  }, 900_000);
});
