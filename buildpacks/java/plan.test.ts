import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import {
  chooseMaven,
  DEFAULT_MAVEN_VERSION,
  defaultWebCommand,
  gradleUnavailable,
  javaBuildTool,
  javaRuntimeEnvironment,
  mavenArgv,
  mavenBuildEnvironment,
  mavenDistributionUrl,
  mavenSettingsXml,
} from './plan.js';

const files = (...names: string[]) => new Set(names);
const props = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('javaBuildTool', () => {
  it('is Maven with a pom.xml, Gradle with Gradle build files, nothing otherwise', () => {
    expect(javaBuildTool(files('pom.xml', 'src'))).toBe('maven');
    expect(javaBuildTool(files('pom.xml', 'build.gradle'))).toBe('maven');
    for (const name of ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts']) expect(javaBuildTool(files(name))).toBe('gradle');
    expect(javaBuildTool(files('system.properties', 'mvnw', 'Main.java'))).toBeNull();
  });

  it('explains that Gradle cannot be had here', () => {
    const err = gradleUnavailable(files('build.gradle.kts', 'settings.gradle.kts'));
    expect(err).toBeInstanceOf(BuildError);
    expect(err.reason).toBe('Gradle builds are not available on this platform.');
    expect(err.outputTail[0]).toBe('Found build.gradle.kts, settings.gradle.kts: a Gradle build.');
    expect(err.outputTail.join(' ')).toContain('services.gradle.org');
  });
});

describe('chooseMaven', () => {
  const wrapper = (url: string) => props({ wrapperVersion: '3.3.2', distributionUrl: url });

  it('defaults to the pinned Maven, or system.properties maven.version', () => {
    expect(chooseMaven({ rootFiles: files('pom.xml'), systemProperties: props({}), wrapperProperties: null }).version).toBe(DEFAULT_MAVEN_VERSION);
    expect(chooseMaven({ rootFiles: files('pom.xml'), systemProperties: props({ 'maven.version': '3.8.8' }), wrapperProperties: null })).toEqual({
      version: '3.8.8',
      explanation: 'system.properties asks for Maven 3.8.8',
    });
  });

  it('takes the wrapper\'s Maven version wherever its URL points (the platform installs it)', () => {
    for (const url of [
      'https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/3.9.9/apache-maven-3.9.9-bin.zip',
      'https://nexus.corp.example/repository/maven-public/org/apache/maven/apache-maven/3.9.9/apache-maven-3.9.9-bin.tar.gz',
    ]) {
      expect(chooseMaven({ rootFiles: files('pom.xml', 'mvnw'), systemProperties: props({ 'maven.version': '3.8.8' }), wrapperProperties: wrapper(url) }).version).toBe('3.9.9');
    }
    expect(
      chooseMaven({
        rootFiles: files('pom.xml', 'mvnw'),
        systemProperties: props({}),
        wrapperProperties: wrapper('https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/4.0.0-rc-4/apache-maven-4.0.0-rc-4-bin.zip'),
      }).version,
    ).toBe('4.0.0-rc-4');
  });

  it('refuses mvnw without its properties, and distributions that are not Apache Maven', () => {
    expect(() => chooseMaven({ rootFiles: files('pom.xml', 'mvnw'), systemProperties: props({}), wrapperProperties: null })).toThrow(
      'mvnw is there but .mvn/wrapper/maven-wrapper.properties is not.',
    );
    for (const url of [
      'https://github.com/apache/maven-mvnd/releases/download/1.0.2/maven-mvnd-1.0.2-linux-amd64.zip',
      'https://repo.example/org/apache/maven/apache-maven/3.9.9/apache-maven-3.9.8-bin.zip',
      'https://repo.example/org/apache/maven/apache-maven/..%2f..%2fx/apache-maven-..%2f..%2fx-bin.zip',
      'file:///etc/org/apache/maven/apache-maven/3.9.9/apache-maven-3.9.9-bin.zip',
      '',
    ]) {
      expect(() => chooseMaven({ rootFiles: files('pom.xml', 'mvnw'), systemProperties: props({}), wrapperProperties: wrapper(url) })).toThrow(
        '.mvn/wrapper/maven-wrapper.properties names a distribution this platform cannot install.',
      );
    }
  });

  it('refuses a maven.version that is not a version', () => {
    expect(() => chooseMaven({ rootFiles: files('pom.xml'), systemProperties: props({ 'maven.version': '../../3.9' }), wrapperProperties: null })).toThrow(
      /maven.version=..\/..\/3.9, which is not a Maven version/,
    );
  });
});

describe('Maven settings and command', () => {
  it('fetches Maven from the repository in its Maven layout', () => {
    expect(mavenDistributionUrl('https://repo1.maven.org/maven2/', '3.9.16')).toBe(
      'https://repo1.maven.org/maven2/org/apache/maven/apache-maven/3.9.16/apache-maven-3.9.16-bin.tar.gz',
    );
  });

  it('mirrors every repository through the operator\'s, escaped for XML', () => {
    const xml = mavenSettingsXml('https://nexus.example/repo?a=1&b=<2>');
    expect(xml).toContain('<url>https://nexus.example/repo?a=1&amp;b=&lt;2&gt;</url>');
    expect(xml).toContain('<mirrorOf>*</mirrorOf>');
  });

  it('packages without tests, with the repository in the cache mount, honouring the app\'s settings.xml', () => {
    const common = ['/layers/maven/bin/mvn', '-B', '--no-transfer-progress', '--global-settings', '/etc/slipway/java/settings.xml'];
    const rest = ['-Dmaven.repo.local=/cache/m2/repository', '-DskipTests', 'clean', 'package'];
    expect(mavenArgv(files('pom.xml'))).toEqual([...common, ...rest]);
    expect(mavenArgv(files('pom.xml', 'settings.xml'))).toEqual([...common, '--settings', '/app/settings.xml', ...rest]);
  });

  it('takes MAVEN_CUSTOM_OPTS and MAVEN_CUSTOM_GOALS in place of -DskipTests and clean package, blank meaning unset', () => {
    const repo = '-Dmaven.repo.local=/cache/m2/repository';
    const argv = mavenArgv(files('pom.xml'), { opts: ' -DskipTests  -Pprod\n', goals: 'clean verify' });
    expect(argv.slice(argv.indexOf(repo))).toEqual([repo, '-DskipTests', '-Pprod', 'clean', 'verify']);
    const blank = mavenArgv(files('pom.xml'), { opts: '  ', goals: null });
    expect(blank.slice(blank.indexOf(repo))).toEqual([repo, '-DskipTests', 'clean', 'package']);
  });

  it('points Maven\'s JVM at the truststore made from the operator\'s CA bundle', () => {
    const env = mavenBuildEnvironment('/usr/lib/jvm/java-17-openjdk-amd64');
    expect(env).toContain('JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64');
    expect(env.find((line) => line.startsWith('PATH='))).toMatch(/^PATH=\/usr\/lib\/jvm\/java-17-openjdk-amd64\/bin:\/layers\/maven\/bin:/);
    expect(env.find((line) => line.startsWith('MAVEN_OPTS='))).toContain('-Djavax.net.ssl.trustStore=/etc/slipway/java/truststore.jks');
  });
});

describe('the app image', () => {
  it('runs the jar with the port property and JAVA_OPTS sized to the dyno', () => {
    expect(defaultWebCommand('target/app-1.0.jar')).toBe('java -Dserver.port=$PORT $JAVA_OPTS -jar target/app-1.0.jar');
    expect(defaultWebCommand('target/$(reboot).jar')).toBeNull();
    expect(defaultWebCommand('target/my app.jar')).toBeNull();
    expect(javaRuntimeEnvironment('/usr/lib/jvm/java-17-openjdk-amd64')).toContain('JAVA_OPTS=-XX:MaxRAMPercentage=80.0 -Dfile.encoding=UTF-8');
  });
});
