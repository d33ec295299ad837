import { describe, expect, it } from 'vitest';
import { BuildError } from '../errors.js';
import { checkInstalledMajor, debianArchitecture, javaHome, requestedMajor, resolveJava } from './versions.js';

describe('requestedMajor', () => {
  it.each([
    ['17', 17],
    ['21', 21],
    ['17.0.9', 17],
    ['21.0.1+12', 21],
    ['1.8', 8],
    ['1.8.0_392', 8],
    ['zulu-21', 21],
    ['heroku-17', 17],
    [' 17 ', 17],
  ])('reads %s as Java %d', (spec, major) => {
    expect(requestedMajor(spec)).toBe(major);
  });

  it.each(['latest', 'java17', '', 'temurin-17', '17;rm -rf /'])('reads %j as no version', (spec) => {
    expect(requestedMajor(spec)).toBeNull();
  });
});

describe('resolveJava', () => {
  it('takes the version system.properties asks for, as Debian packages', () => {
    expect(resolveJava('17', 'bookworm')).toEqual({
      major: 17,
      runPackages: ['openjdk-17-jre-headless'],
      buildPackages: ['openjdk-17-jdk-headless'],
      explanation: "system.properties asks for Java 17: using Debian's OpenJDK 17",
    });
    expect(resolveJava('21.0.2', 'trixie').runPackages).toEqual(['openjdk-21-jre-headless']);
  });

  it('defaults to the newest Java the stack offers', () => {
    expect(resolveJava(undefined, 'bookworm')).toMatchObject({ major: 17, explanation: expect.stringContaining('not set') });
    expect(resolveJava('', 'trixie').major).toBe(21);
  });

  it('names what each stack offers for a version this stack does not have', () => {
    const err = (() => {
      try {
        resolveJava('11', 'bookworm');
      } catch (e) {
        return e as BuildError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(BuildError);
    expect(err!.reason).toBe('Java 11 is not available on the bookworm stack (system.properties: java.runtime.version=11).');
    expect(err!.outputTail).toEqual([
      'Stacks offer: bookworm Java 17; trixie Java 21.',
      "Set java.runtime.version to one the bookworm stack offers (17), or move the app to a stack that offers Java 11.",
    ]);
    expect(() => resolveJava('21', 'bookworm')).toThrow(/Java 21 is not available on the bookworm stack/);
  });

  it('refuses what is not a version, and a stack without Java', () => {
    expect(() => resolveJava('latest', 'bookworm')).toThrow(/java.runtime.version=latest, which is not a Java version/);
    expect(() => resolveJava('17', 'sid')).toThrow('Java is not available on the sid stack.');
  });
});

describe('checkInstalledMajor', () => {
  it('accepts Debian versions of the asked major and refuses others', () => {
    expect(checkInstalledMajor(17, 'openjdk-17-jre-headless', { 'openjdk-17-jre-headless': '17.0.15+6-1~deb12u1' })).toBe('17.0.15+6-1~deb12u1');
    expect(() => checkInstalledMajor(17, 'openjdk-17-jre-headless', { 'openjdk-17-jre-headless': '21.0.5+11-1' })).toThrow(/not Java 17/);
    expect(() => checkInstalledMajor(17, 'openjdk-17-jre-headless', {})).toThrow(/\(none\)/);
    expect(() => checkInstalledMajor(1, 'x', { x: '17.0.1' })).toThrow();
  });
});

describe('javaHome', () => {
  it('is Debian\'s JVM directory for the architecture', () => {
    expect(javaHome(17, debianArchitecture('x64'))).toBe('/usr/lib/jvm/java-17-openjdk-amd64');
    expect(javaHome(21, debianArchitecture('arm64'))).toBe('/usr/lib/jvm/java-21-openjdk-arm64');
    expect(() => debianArchitecture('ia32')).toThrow();
  });
});
