// The layering of docs/architecture.md ("Layers"), enforced by `npm test` (test/layers.test.ts).
// Lower layers never import higher ones; components of one layer do not import each other;
// nothing imports in a circle; product code never imports test support or benchmarks.
const TEST_SUPPORT = '(^test/|^bench/|/testing/|\\.test\\.ts$|\\.bench\\.ts$)';
const COMPONENTS = ['agent', 'router', 'buildpacks', 'host-providers'];

/** A rule forbidding imports from `from` (a top-level folder) into any of `to`. */
function forbid(name, from, to, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: `^${from}/`, pathNot: TEST_SUPPORT },
    to: { path: `^(${to.join('|')})/` },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a cycle means two modules are one module in two files, or a seam in the wrong place',
      severity: 'error',
      from: { pathNot: TEST_SUPPORT },
      to: { circular: true },
    },
    {
      name: 'no-test-support-in-product',
      comment: 'tests, test doubles and benchmarks are not shipped: product code never imports them',
      severity: 'error',
      from: { pathNot: TEST_SUPPORT },
      to: { path: TEST_SUPPORT },
    },
    forbid('common-is-the-bottom', 'common', ['agent', 'router', 'buildpacks', 'host-providers', 'control-plane', 'supervisor', 'provisioner', 'cli'],
      'common/ holds what every component shares; it imports none of them'),
    ...COMPONENTS.map((component) =>
      forbid(`${component}-is-a-component`, component, ['control-plane', 'supervisor', 'provisioner', 'cli', ...COMPONENTS.filter((c) => c !== component)],
        'components sit on common/ only: they meet through the wire protocol, not through imports'),
    ),
    {
      name: 'control-plane-converges-through-converger',
      comment: 'hosts, handlers, app lifecycle, releases and the agent inbox ask the scheduler through converger.ts; only platform.ts wires the Reconciler',
      severity: 'error',
      from: { path: '^control-plane/(hosts|handlers|apps|releases|agents|git|http|store)/', pathNot: TEST_SUPPORT },
      to: { path: '^control-plane/scheduler/' },
    },
    forbid('control-plane-uses-components-it-runs', 'control-plane', ['agent', 'router', 'supervisor', 'provisioner', 'cli'],
      'the control plane runs builds and host providers in-process; agents and routers only over NATS'),
    forbid('supervisor-starts-processes', 'supervisor', ['control-plane', 'router', 'agent', 'provisioner', 'cli'],
      'the supervisor starts the components as child processes, by path'),
    forbid('provisioner-is-the-infra-program', 'provisioner', ['control-plane', 'router', 'agent', 'supervisor', 'cli', 'buildpacks'],
      'the Pulumi program writes hosts\' settings through their typed writers, and nothing else'),
    forbid('cli-talks-http', 'cli', ['control-plane', 'router', 'agent', 'supervisor', 'buildpacks', 'host-providers'],
      'the CLI speaks the Platform API (its shapes are in common/) and mounts the infra program'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^node_modules/|^dist/|/fixtures/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
