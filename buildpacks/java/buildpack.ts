// The Java buildpack (Maven): the JDK from the stack's Debian packages (the headless JRE is the
// image's runtime layer, shared by all apps), Maven from the operator's Maven repository
// (cached globally), ~/.m2 cached per app, `mvn package` in a build container, and the one
// runnable jar in target/ as the default web process.
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAppFile } from '../app-files.js';
import type { BuildContext, BuildpackOutput } from '../buildpack.js';
import { RUNTIMES_REPOSITORY } from '../build-layout.js';
import { appUserDirectory, buildContainerSpec, readProcfile, runStep } from '../build-steps.js';
import { withBuildContainer } from '../container.js';
import { DownloadError, outboundDispatcher } from '../downloads.js';
import { BuildError } from '../errors.js';
import { readEnvDirVar } from '../env-dir.js';
import { detail, heading, warning } from '../log.js';
import { ensureStackPackages, type StackPackages } from '../stack/packages.js';
import { chooseRunnableJar, findRunnableJars } from './jars.js';
import { ensureMaven, type MavenInstall } from './maven.js';
import {
  chooseMaven,
  defaultWebCommand,
  gradleUnavailable,
  JAVA_BUILD_CONFIG_DIR,
  javaBuildTool,
  javaRuntimeEnvironment,
  M2_DIR,
  MAVEN_DIR,
  mavenArgv,
  mavenBuildEnvironment,
  mavenSettingsXml,
  TRUSTSTORE_PASSWORD,
} from './plan.js';
import { parseProperties } from './properties.js';
import { jksTruststore, pemCertificates } from './truststore.js';
import { checkInstalledMajor, debianArchitecture, javaHome, resolveJava, type JavaChoice } from './versions.js';

const WRAPPER_PROPERTIES = '.mvn/wrapper/maven-wrapper.properties';

/** A file below the app's root, read only through real directories (no symlinked .mvn). */
async function readNestedAppFile(appDir: string, path: string): Promise<Buffer | null> {
  const parts = path.split('/');
  for (let depth = 1; depth < parts.length; depth++) {
    const stats = await lstat(join(appDir, ...parts.slice(0, depth))).catch(() => null);
    if (!stats?.isDirectory()) return null;
  }
  return readAppFile(appDir, path).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  });
}

async function installJdk(ctx: BuildContext, java: JavaChoice): Promise<StackPackages> {
  const packages = await ensureStackPackages(
    ctx.docker,
    ctx.config,
    ctx.stack,
    { name: `java-${java.major}`, run: java.runPackages, build: java.buildPackages },
    ctx.log,
  );
  checkInstalledMajor(java.major, java.runPackages[0]!, packages.versions);
  return packages;
}

async function installMaven(ctx: BuildContext, version: string): Promise<MavenInstall> {
  const dispatcher = await outboundDispatcher(ctx.config.caFile);
  try {
    return await ensureMaven({ cacheDir: ctx.config.cacheDir, repository: ctx.config.mavenRepository, version, dispatcher });
  } catch (err) {
    if (err instanceof DownloadError) throw new BuildError(`Could not install Maven ${version}: ${err.message}.`, { cause: err });
    throw err;
  } finally {
    await dispatcher.close();
  }
}

/** settings.xml (the operator's repository as the mirror) and the CA bundle as a truststore, for one build. */
async function writeBuildConfig(ctx: BuildContext): Promise<string> {
  const dir = join(ctx.appCacheDir, 'java-build-config');
  await mkdir(dir, { recursive: true });
  const certificates = pemCertificates(await readFile(ctx.config.caFile, 'utf8'));
  await writeFile(join(dir, 'settings.xml'), mavenSettingsXml(ctx.config.mavenRepository));
  await writeFile(join(dir, 'truststore.jks'), jksTruststore(certificates, TRUSTSTORE_PASSWORD));
  return dir;
}

export async function buildJava(ctx: BuildContext): Promise<BuildpackOutput> {
  const { log, timer } = ctx;
  if (javaBuildTool(ctx.rootFiles) === 'gradle') throw gradleUnavailable(ctx.rootFiles);
  const systemProperties = ctx.rootFiles.has('system.properties')
    ? parseProperties((await readAppFile(ctx.appDir, 'system.properties')).toString('utf8'))
    : new Map<string, string>();
  const wrapper = ctx.rootFiles.has('mvnw') ? await readNestedAppFile(ctx.appDir, WRAPPER_PROPERTIES) : null;
  const procfile = await readProcfile(ctx);

  log(heading('Resolving the Java and Maven versions'));
  const java = resolveJava(systemProperties.get('java.runtime.version'), ctx.stack.name);
  const maven = chooseMaven({ rootFiles: ctx.rootFiles, systemProperties, wrapperProperties: wrapper ? parseProperties(wrapper.toString('utf8')) : null });
  log(detail(java.explanation));
  log(detail(maven.explanation));

  const { packages, mavenInstall } = await timer.time('runtime', async () => {
    const packages = await installJdk(ctx, java);
    log(heading(`Installing OpenJDK ${java.major} (${packages.versions[java.runPackages[0]!]}) and Maven ${maven.version}`));
    const mavenInstall = await installMaven(ctx, maven.version);
    log(detail(mavenInstall.cached ? 'Using the cached Maven' : `Maven ${maven.version} downloaded from ${ctx.config.mavenRepository} and verified`));
    return { packages, mavenInstall };
  });

  const home = javaHome(java.major, debianArchitecture(process.arch));
  const argv = mavenArgv(ctx.rootFiles, {
    opts: await readEnvDirVar(ctx.envDir, 'MAVEN_CUSTOM_OPTS'),
    goals: await readEnvDirVar(ctx.envDir, 'MAVEN_CUSTOM_GOALS'),
  });
  await timer.time('build', async () => {
    const spec = await buildContainerSpec(ctx, {
      image: packages.buildImage,
      env: mavenBuildEnvironment(home),
      mounts: [
        { source: await appUserDirectory(join(ctx.appCacheDir, 'm2')), target: M2_DIR, readOnly: false },
        { source: mavenInstall.dir, target: MAVEN_DIR, readOnly: true },
        { source: await writeBuildConfig(ctx), target: JAVA_BUILD_CONFIG_DIR, readOnly: true },
      ],
    });
    await withBuildContainer(ctx.docker, spec, ctx.signal, (container) =>
      runStep(ctx, container, 'Building with Maven', argv, 'The Maven build failed'),
    );
  });

  const processTypes: Record<string, string> = { ...(procfile ?? {}) };
  if (processTypes.web === undefined) {
    const jar = chooseRunnableJar(await findRunnableJars(ctx.appDir));
    const command = jar.kind === 'one' ? defaultWebCommand(jar.path) : null;
    if (jar.kind === 'one' && command) {
      processTypes.web = command;
      log(detail(`Runnable jar: ${jar.path} (Main-Class ${jar.mainClass})`));
    } else if (jar.kind === 'many') {
      log(warning(`No web process: target/ holds several runnable jars (${jar.paths.join(', ')}); add a Procfile with "web: java $JAVA_OPTS -jar <one of them>".`));
    } else {
      log(warning('No web process: add a Procfile with "web: <command>", or build one runnable jar into target/ (with a Main-Class, e.g. by the shade or Spring Boot plugin).'));
    }
  }

  return {
    processTypes,
    contributed: [
      {
        blob: packages.layer,
        createdBy: `slipway/java: ${java.runPackages.join(' ')} ${packages.versions[java.runPackages[0]!] ?? ''} from Debian`.trimEnd(),
        sharedRepository: RUNTIMES_REPOSITORY,
      },
    ],
    env: javaRuntimeEnvironment(home),
    versions: { java: packages.versions[java.runPackages[0]!] ?? String(java.major), maven: maven.version },
  };
}
