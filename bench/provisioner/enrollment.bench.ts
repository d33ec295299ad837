// How long enrollment and adding AWS hosts take on the control plane's side, against a real
// nats-server with per-user permissions (reloaded by NatsHostUsers), a real Redis and the real
// enrollment handler; the auto scaling group is the in-memory one (EC2 boot time is not here).
//   npx vitest bench --run bench/provisioner/enrollment.bench.ts
// Prints figures; asserts nothing about time.
import { performance } from 'node:perf_hooks';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { enrollConnectionOptions, enrollUntilAccepted } from '../../agent/enroll.js';
import { silentLogger } from '../../common/logger.js';
import { startEnrollmentControlPlane, type EnrollmentControlPlane } from '../../test/support/enrollment-control-plane.js';
import type { GroupInstance } from '../../host-providers/aws/auto-scaling.js';
import { AwsHostProvider } from '../../host-providers/aws/provider.js';

const SECRET = 'enrollment-secret-0123456789abcdef';
const GROUP = 'slipway-engine-bench';
const POLICY = { initialMs: 50, maxMs: 500, rejectedMs: 500, requestTimeoutMs: 10_000 };

let fixture: EnrollmentControlPlane;
let agentNats: NatsConnection;
let launched: GroupInstance[] = [];
/** What a launched instance does: nothing yet (the benches enroll it), or enroll at once. */
let whenLaunched: (instance: GroupInstance) => void = (instance) => launched.push(instance);
let serial = 0;
const figures: Record<string, number[]> = {};

function record(name: string, ms: number): void {
  (figures[name] ??= []).push(ms);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function enroll(instanceId: string): Promise<void> {
  await enrollUntilAccepted({
    request: async (subject, body, timeout) => (await agentNats.request(subject, body, { timeout })).data,
    settings: { secret: SECRET, instanceId, address: `10.42.0.${serial++ % 250}` },
    policy: POLICY,
    log: silentLogger(),
    signal: new AbortController().signal,
  });
}

async function launch(count: number): Promise<string[]> {
  launched = [];
  await fixture.group.setDesiredCapacity(GROUP, fixture.group.desiredCapacity + count);
  await new Promise((done) => setImmediate(done));
  return launched.map((instance) => instance.instanceId);
}

beforeAll(async () => {
  fixture = await startEnrollmentControlPlane({
    secret: SECRET,
    dirPrefix: 'slipway-enroll-bench-',
    group: { name: GROUP, maxSize: 1000, onLaunch: (instance) => whenLaunched(instance) },
  });
  agentNats = await connect({
    ...enrollConnectionOptions({ secret: SECRET, instanceId: 'i-00000000', address: '10.0.0.1', hostFile: '/nonexistent', natsUrl: fixture.nats.url, logLevel: 'silent' }),
    waitOnFirstConnect: false,
    maxReconnectAttempts: 0,
  });
});

afterAll(async () => {
  console.log('enrollment, control plane side (ms):');
  for (const [name, values] of Object.entries(figures)) {
    console.log(`  ${name.padEnd(52)} p50 ${percentile(values, 50).toFixed(1).padStart(7)}  p95 ${percentile(values, 95).toFixed(1).padStart(7)}  (n=${values.length})`);
  }
  await agentNats?.close();
  await fixture?.stop();
});

describe('enrollment', () => {
  bench(
    'one instance takes a pending credential (secret, AWS check, Redis claim, sealed reply)',
    async () => {
      await fixture.ledger.addPending([{ hostId: `aws-p${serial}`, token: `slwh_pending-token-${serial}-0123456789` }]);
      const [instanceId] = await launch(1);
      const started = performance.now();
      await enroll(instanceId!);
      record('enroll with a pending credential', performance.now() - started);
    },
    { iterations: 50, time: 0, warmupIterations: 2, warmupTime: 0 },
  );

  bench(
    'one instance the group started on its own is adopted (new identity, NATS users rewritten)',
    async () => {
      const [instanceId] = await launch(1);
      const started = performance.now();
      await enroll(instanceId!);
      record('enroll by adoption (issue + NATS users sync)', performance.now() - started);
    },
    { iterations: 20, time: 0, warmupIterations: 1, warmupTime: 0 },
  );

  bench(
    '50 instances enroll at once for 50 pending credentials',
    async () => {
      const batch = serial;
      await fixture.ledger.addPending(Array.from({ length: 50 }, (_, i) => ({ hostId: `aws-b${batch}-${i}`, token: `slwh_batch-token-${batch}-${i}-0123456789` })));
      const instances = await launch(50);
      const started = performance.now();
      await Promise.all(instances.map((instanceId) => enroll(instanceId)));
      record('50 concurrent enrollments, all done', performance.now() - started);
    },
    { iterations: 5, time: 0, warmupIterations: 0, warmupTime: 0 },
  );

  bench(
    'addHosts(5): grow the group, wait until the 5 instances enrolled',
    async () => {
      whenLaunched = (instance) => void enroll(instance.instanceId);
      const provider = new AwsHostProvider({ autoScaling: fixture.group, ledger: fixture.ledger, groupName: GROUP, capacity: { memoryMb: 8192, cpus: 2 }, enrollTimeoutMs: 30_000, pollMs: 25 });
      const batch = serial++;
      const started = performance.now();
      await provider.addHosts(Array.from({ length: 5 }, (_, i) => ({ hostId: `aws-a${batch}-${i}`, token: `slwh_add-token-${batch}-${i}-0123456789` })));
      record('addHosts(5) until enrolled (25 ms ledger polling)', performance.now() - started);
      whenLaunched = (instance) => launched.push(instance);
    },
    { iterations: 10, time: 0, warmupIterations: 1, warmupTime: 0 },
  );
});
