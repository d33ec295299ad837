// What a Java build will do, decided from the app's files (pure): Maven or Gradle, which Maven,
// its settings (the operator's repository as the mirror), the command, the environments.
import { APP_DIR, CACHE_DIR, SYSTEM_PATH } from '../build-layout.js';
import { BuildError } from '../errors.js';

export const MAVEN_FILES = ['pom.xml'];
export const GRADLE_FILES = ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts'];

/** Maven when there is a pom.xml (as Heroku's detect order has it), else Gradle. */
export function javaBuildTool(rootFiles: ReadonlySet<string>): 'maven' | 'gradle' | null {
  if (MAVEN_FILES.some((name) => rootFiles.has(name))) return 'maven';
  if (GRADLE_FILES.some((name) => rootFiles.has(name))) return 'gradle';
  return null;
}

/** Gradle's distributions come from services.gradle.org, which builds here cannot reach. */
export function gradleUnavailable(rootFiles: ReadonlySet<string>): BuildError {
  const found = GRADLE_FILES.filter((name) => rootFiles.has(name));
  return new BuildError('Gradle builds are not available on this platform.', {
    outputTail: [
      `Found ${found.join(', ')}: a Gradle build.`,
      'Gradle is distributed from services.gradle.org (gradlew downloads it from there), which builds here cannot reach,',
      'and neither Maven Central nor the stack\'s Debian packages carry a usable Gradle.',
      'Build with Maven instead (a pom.xml), or push an app whose Procfile runs a jar you built elsewhere.',
    ],
  });
}

/** Maven used when neither the wrapper nor system.properties names one (served by Maven Central). */
export const DEFAULT_MAVEN_VERSION = '3.9.16';

/** Where things sit in the build container. */
export const MAVEN_DIR = '/layers/maven';
/** The generated settings.xml and truststore (read-only) */
export const JAVA_BUILD_CONFIG_DIR = '/etc/slipway/java';
export const M2_DIR = `${CACHE_DIR}/m2`;
export const TRUSTSTORE_PASSWORD = 'changeit';

const MAVEN_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*)?$/;
/** A Maven distribution in a Maven repository's layout, as wrappers name it. */
const MAVEN_DISTRIBUTION_URL = /^https?:\/\/[^?#]*\/org\/apache\/maven\/apache-maven\/([^/]+)\/apache-maven-([^/]+)-bin\.(?:zip|tar\.gz)$/;

export interface MavenChoice {
  version: string;
  explanation: string;
}

export interface MavenChoiceInput {
  rootFiles: ReadonlySet<string>;
  systemProperties: Map<string, string>;
  /** .mvn/wrapper/maven-wrapper.properties, or null when it is not there */
  wrapperProperties: Map<string, string> | null;
}

/**
 * Which Maven: the wrapper's distribution when the app has mvnw (installed by the platform from
 * its Maven repository, hash-checked, instead of letting the script download it), else
 * `maven.version` in system.properties (Heroku's key), else DEFAULT_MAVEN_VERSION.
 */
export function chooseMaven({ rootFiles, systemProperties, wrapperProperties }: MavenChoiceInput): MavenChoice {
  if (rootFiles.has('mvnw')) {
    if (!wrapperProperties) {
      throw new BuildError('mvnw is there but .mvn/wrapper/maven-wrapper.properties is not.', {
        outputTail: ['Commit the .mvn/wrapper directory with mvnw (`mvn wrapper:wrapper` writes both), or remove mvnw to use the platform\'s Maven.'],
      });
    }
    const url = wrapperProperties.get('distributionUrl') ?? '';
    const match = MAVEN_DISTRIBUTION_URL.exec(url);
    if (!match || match[1] !== match[2] || !MAVEN_VERSION.test(match[1]!)) {
      throw new BuildError('.mvn/wrapper/maven-wrapper.properties names a distribution this platform cannot install.', {
        outputTail: [
          `distributionUrl=${url || '(not set)'}`,
          'Slipway installs Apache Maven itself, from its Maven repository: point distributionUrl at',
          `.../org/apache/maven/apache-maven/<version>/apache-maven-<version>-bin.zip, or remove mvnw to use Maven ${DEFAULT_MAVEN_VERSION}.`,
        ],
      });
    }
    return { version: match[1]!, explanation: `mvnw found: using the Maven its wrapper names, ${match[1]} (installed by the platform; the script is not run)` };
  }
  const asked = systemProperties.get('maven.version');
  if (asked !== undefined && asked !== '') {
    if (!MAVEN_VERSION.test(asked)) {
      throw new BuildError(`system.properties sets maven.version=${asked}, which is not a Maven version.`, {
        outputTail: [`Use a released version such as ${DEFAULT_MAVEN_VERSION}, or remove the line.`],
      });
    }
    return { version: asked, explanation: `system.properties asks for Maven ${asked}` };
  }
  return { version: DEFAULT_MAVEN_VERSION, explanation: `maven.version not set: using Maven ${DEFAULT_MAVEN_VERSION}` };
}

/** The binary distribution's URL in a Maven repository (`org.apache.maven:apache-maven:<v>:bin:tar.gz`). */
export function mavenDistributionUrl(repository: string, version: string): string {
  return `${repository.replace(/\/+$/, '')}/org/apache/maven/apache-maven/${version}/apache-maven-${version}-bin.tar.gz`;
}

const xmlEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Maven's global settings: every repository (Central and any a pom declares) is fetched
 * through the operator's Maven repository, the one builds can reach.
 */
export function mavenSettingsXml(repository: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">',
    '  <mirrors>',
    '    <mirror>',
    '      <id>slipway</id>',
    '      <name>The platform\'s Maven repository</name>',
    `      <url>${xmlEscape(repository)}</url>`,
    '      <mirrorOf>*</mirrorOf>',
    '    </mirror>',
    '  </mirrors>',
    '</settings>',
    '',
  ].join('\n');
}

/** Heroku's MAVEN_CUSTOM_OPTS and MAVEN_CUSTOM_GOALS config vars (null or blank: the default). */
export interface MavenCustomization {
  opts?: string | null;
  goals?: string | null;
}

const DEFAULT_MAVEN_OPTS = ['-DskipTests'];
const DEFAULT_MAVEN_GOALS = ['clean', 'package'];

/** Split on whitespace as the shell would for an unquoted var; blank means "not set". */
function words(value: string | null | undefined): string[] | null {
  const split = value?.trim().split(/\s+/) ?? [];
  return split.length > 0 && split[0] !== '' ? split : null;
}

/**
 * The Maven command: the app's settings.xml (Heroku's convention) over the platform's global
 * settings; MAVEN_CUSTOM_OPTS replaces `-DskipTests` and MAVEN_CUSTOM_GOALS replaces `clean package`.
 */
export function mavenArgv(rootFiles: ReadonlySet<string>, custom: MavenCustomization = {}): string[] {
  return [
    `${MAVEN_DIR}/bin/mvn`,
    '-B',
    '--no-transfer-progress',
    '--global-settings',
    `${JAVA_BUILD_CONFIG_DIR}/settings.xml`,
    ...(rootFiles.has('settings.xml') ? ['--settings', `${APP_DIR}/settings.xml`] : []),
    `-Dmaven.repo.local=${M2_DIR}/repository`,
    ...(words(custom.opts) ?? DEFAULT_MAVEN_OPTS),
    ...(words(custom.goals) ?? DEFAULT_MAVEN_GOALS),
  ];
}

/** Environment of the Maven build: the JDK, Maven, and the operator's CA for Maven's downloads. */
export function mavenBuildEnvironment(javaHome: string): string[] {
  return [
    `HOME=${APP_DIR}`,
    `JAVA_HOME=${javaHome}`,
    `PATH=${javaHome}/bin:${MAVEN_DIR}/bin:${SYSTEM_PATH}`,
    'LANG=C.UTF-8',
    [
      // C1 only: Maven's JVM lives for one build, too short for C2 to pay back (faster on one CPU).
      'MAVEN_OPTS=-XX:MaxRAMPercentage=75.0 -XX:TieredStopAtLevel=1',
      `-Djavax.net.ssl.trustStore=${JAVA_BUILD_CONFIG_DIR}/truststore.jks`,
      '-Djavax.net.ssl.trustStoreType=JKS',
      `-Djavax.net.ssl.trustStorePassword=${TRUSTSTORE_PASSWORD}`,
    ].join(' '),
  ];
}

/** Default JVM options of the app: the heap sized to the dyno's memory (the container's limit). */
export const DEFAULT_JAVA_OPTS = '-XX:MaxRAMPercentage=80.0 -Dfile.encoding=UTF-8';

/** Environment of the app image; a JAVA_OPTS config var replaces the default. */
export function javaRuntimeEnvironment(javaHome: string): string[] {
  return [`PATH=${javaHome}/bin:${SYSTEM_PATH}`, `JAVA_HOME=${javaHome}`, `HOME=${APP_DIR}`, 'LANG=C.UTF-8', `JAVA_OPTS=${DEFAULT_JAVA_OPTS}`];
}

/** `java -jar` for a runnable jar, with Spring Boot's port property set as Heroku does. */
export function defaultWebCommand(jarPath: string): string | null {
  if (!/^[A-Za-z0-9._+/-]+$/.test(jarPath)) return null;
  return `java -Dserver.port=$PORT $JAVA_OPTS -jar ${jarPath}`;
}
