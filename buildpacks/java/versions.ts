// Which JDK a Java app gets (pure): `java.runtime.version` from system.properties (Heroku's
// key) against the majors each stack's Debian packages offer.
import { BuildError } from '../errors.js';

/** The OpenJDK majors each stack's Debian suite packages, newest last. */
export const JDK_MAJORS_BY_STACK: Readonly<Record<string, readonly number[]>> = {
  bookworm: [17],
  trixie: [21],
};

export interface JavaChoice {
  major: number;
  /** Debian packages: the headless JRE in the image, the headless JDK for the build */
  runPackages: string[];
  buildPackages: string[];
  explanation: string;
}

/** Debian's name for the machine's architecture, as in /usr/lib/jvm/java-17-openjdk-<arch>. */
export function debianArchitecture(nodeArch: string): string {
  const arch = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' }[nodeArch];
  if (!arch) throw new Error(`no Debian OpenJDK for the ${nodeArch} architecture`);
  return arch;
}

export function javaHome(major: number, arch: string): string {
  return `/usr/lib/jvm/java-${major}-openjdk-${arch}`;
}

/**
 * The major a `java.runtime.version` asks for: "17", "17.0.9", "1.8" (Java 8), with or without
 * a vendor prefix as Heroku writes it ("zulu-21", "heroku-17", "openjdk-17"); null if unreadable.
 */
export function requestedMajor(spec: string): number | null {
  const match = /^(?:(?:zulu|heroku|openjdk)-)?(\d+)(?:\.(\d+))?(?:[.+_-][0-9A-Za-z.+_-]*)?$/.exec(spec.trim());
  if (!match) return null;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** "Stacks offer: bookworm Java 17; trixie Java 21." */
function describeOffers(): string {
  const offers = Object.entries(JDK_MAJORS_BY_STACK).map(([stack, majors]) => `${stack} Java ${majors.join(', ')}`);
  return `Stacks offer: ${offers.join('; ')}.`;
}

export function resolveJava(requested: string | undefined, stackName: string): JavaChoice {
  const offered = JDK_MAJORS_BY_STACK[stackName];
  if (!offered || offered.length === 0) {
    throw new BuildError(`Java is not available on the ${stackName} stack.`, { outputTail: [describeOffers()] });
  }
  let major: number;
  let explanation: string;
  if (requested === undefined || requested.trim() === '') {
    major = offered[offered.length - 1]!;
    explanation = `java.runtime.version not set in system.properties: using Java ${major}, the ${stackName} stack's`;
  } else {
    const asked = requestedMajor(requested);
    if (asked === null) {
      throw new BuildError(`system.properties sets java.runtime.version=${requested}, which is not a Java version.`, {
        outputTail: [`Use a major version such as ${offered.join(' or ')}.`, describeOffers()],
      });
    }
    if (!offered.includes(asked)) {
      throw new BuildError(`Java ${asked} is not available on the ${stackName} stack (system.properties: java.runtime.version=${requested}).`, {
        outputTail: [describeOffers(), `Set java.runtime.version to one the ${stackName} stack offers (${offered.join(', ')}), or move the app to a stack that offers Java ${asked}.`],
      });
    }
    major = asked;
    explanation = `system.properties asks for Java ${requested}: using Debian's OpenJDK ${major}`;
  }
  return {
    major,
    runPackages: [`openjdk-${major}-jre-headless`],
    buildPackages: [`openjdk-${major}-jdk-headless`],
    explanation,
  };
}

/** Whether the installed package is the major we asked for (the table above is the only other source of truth). */
export function checkInstalledMajor(major: number, packageName: string, versions: Record<string, string>): string {
  const version = versions[packageName];
  if (!version || !/^\d+/.test(version) || Number(/^\d+/.exec(version)![0]) !== major) {
    throw new Error(`${packageName} installed as ${version ?? '(none)'}, not Java ${major}`);
  }
  return version;
}
