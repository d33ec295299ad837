// The apps `bench:builds` deploys both ways: a fixture, the code-only change made between the
// two pushes, what the app answers before and after, and the Dockerfile its Dockerfile-path
// twin is built with (dockerfiles/<name>.Dockerfile, written as a Kamal or CapRover user would:
// multi-stage, BuildKit cache mounts, dependencies before code). Both paths start the same web
// process: the twin's CMD is the command the app's Procfile (or its buildpack's default) runs.

export interface BuildBenchCase {
  name: string;
  /** folder under test/fixtures */
  fixture: string;
  /** the code-only change */
  edit: { file: string; from: string; to: string };
  /** what / answers before and after the change */
  before: string;
  after: string;
  /** versions the Slipway build chose, read from its log, passed to the Dockerfile as build args */
  versionArgs: Record<string, RegExp>;
}

/** Node.js and npm as the Node.js buildpack logs them (also for a site built with Node). */
export const NODE_VERSION_ARGS = { NODE_VERSION: /Installing Node\.js (\S+) and npm/, NPM_VERSION: /Installing Node\.js \S+ and npm (\S+)/ };

export const BUILD_BENCH_CASES: readonly BuildBenchCase[] = [
  {
    name: 'node-npm',
    fixture: 'e2e-hello',
    edit: { file: 'server.js', from: "const VERSION = 'v1'", to: "const VERSION = 'v2'" },
    before: 'hello v1',
    after: 'hello v2',
    versionArgs: NODE_VERSION_ARGS,
  },
  {
    name: 'node-yarn-berry',
    fixture: 'e2e-berry',
    edit: { file: 'server.js', from: "const VERSION = 'v1'", to: "const VERSION = 'v2'" },
    before: 'berry v1',
    after: 'berry v2',
    versionArgs: { NODE_VERSION: NODE_VERSION_ARGS.NODE_VERSION, YARN_VERSION: /Installing Yarn (\S+)/ },
  },
  {
    name: 'node-pnpm',
    fixture: 'e2e-pnpm',
    edit: { file: 'apps/web/server.js', from: "const VERSION = 'v1'", to: "const VERSION = 'v2'" },
    before: 'pnpm v1',
    after: 'pnpm v2',
    versionArgs: { NODE_VERSION: NODE_VERSION_ARGS.NODE_VERSION, PNPM_VERSION: /Installing pnpm (\S+)/ },
  },
  {
    name: 'python-django',
    fixture: 'python-django',
    edit: { file: 'mysite/urls.py', from: 'django v1', to: 'django v2' },
    before: 'hello from django v1',
    after: 'hello from django v2',
    // the Python is the stack's Debian python3 on both paths
    versionArgs: {},
  },
  {
    name: 'python-flask-uv',
    fixture: 'python-flask-uv',
    edit: { file: 'app.py', from: 'flask v1', to: 'flask v2' },
    before: 'hello from flask v1',
    after: 'hello from flask v2',
    versionArgs: {},
  },
  {
    name: 'go',
    fixture: 'go-chi',
    edit: { file: 'main.go', from: 'const version = "v1"', to: 'const version = "v2"' },
    before: 'hello v1',
    after: 'hello v2',
    versionArgs: { GO_VERSION: /Installing Go (\S+)/ },
  },
  {
    name: 'java-maven',
    fixture: 'java-javalin',
    edit: { file: 'src/main/java/hello/App.java', from: 'Hello from Java v1', to: 'Hello from Java v2' },
    before: 'Hello from Java v1',
    after: 'Hello from Java v2',
    // the JDK is the stack's Debian OpenJDK of that major on both paths; Maven the version the buildpack chose
    versionArgs: { JAVA_MAJOR: /Installing OpenJDK (\d+) /, MAVEN_VERSION: /Installing OpenJDK \d+ \(.*\) and Maven (\S+)/ },
  },
  {
    name: 'static-vite',
    fixture: 'static-vite',
    edit: { file: 'index.html', from: 'site v1', to: 'site v2' },
    before: 'site v1',
    after: 'site v2',
    versionArgs: NODE_VERSION_ARGS,
  },
];
