// Test support: an HTTP server on 127.0.0.1 that answers like AWS's Auto Scaling endpoint
// (the Query protocol: form-encoded `Action=...` in, XML out, `ErrorResponse` on failure),
// backed by any AutoScalingApi (the in-memory fake). The real SDK client is pointed at it, so
// its requests, signing and response parsing are exercised without leaving this machine.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoScalingError, type AutoScalingApi } from '../auto-scaling.js';

export interface ReceivedRequest {
  action: string;
  params: Record<string, string>;
  /** The `Authorization` header (SigV4), to check the client signed with the given keys. */
  authorization: string;
}

export interface FakeAwsEndpoint {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

const NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

function xml(text: string | number | boolean): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function response(action: string, result: string): string {
  const body = result ? `<${action}Result>${result}</${action}Result>` : '';
  return `<${action}Response xmlns="${NS}">${body}<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function answer(api: AutoScalingApi, action: string, params: Record<string, string>): Promise<string> {
  switch (action) {
    case 'DescribeAutoScalingGroups': {
      const group = await api.describeGroup(params['AutoScalingGroupNames.member.1'] ?? '');
      const members = group
        ? `<member><AutoScalingGroupName>${xml(group.name)}</AutoScalingGroupName><MinSize>${group.minSize}</MinSize><MaxSize>${group.maxSize}</MaxSize>` +
          `<DesiredCapacity>${group.desiredCapacity}</DesiredCapacity><Instances>` +
          group.instances
            .map(
              (i) =>
                `<member><InstanceId>${xml(i.instanceId)}</InstanceId><AvailabilityZone>${xml(i.availabilityZone)}</AvailabilityZone>` +
                `<LifecycleState>${xml(i.lifecycleState)}</LifecycleState><HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>true</ProtectedFromScaleIn></member>`,
            )
            .join('') +
          '</Instances></member>'
        : '';
      return response(action, `<AutoScalingGroups>${members}</AutoScalingGroups>`);
    }
    case 'DescribeAutoScalingInstances': {
      const found = await api.describeInstance(params['InstanceIds.member.1'] ?? '');
      const member = found
        ? `<member><InstanceId>${xml(found.instanceId)}</InstanceId><AutoScalingGroupName>${xml(found.groupName)}</AutoScalingGroupName>` +
          `<AvailabilityZone>us-east-1a</AvailabilityZone><LifecycleState>${xml(found.lifecycleState)}</LifecycleState><HealthStatus>HEALTHY</HealthStatus>` +
          '<ProtectedFromScaleIn>true</ProtectedFromScaleIn></member>'
        : '';
      return response(action, `<AutoScalingInstances>${member}</AutoScalingInstances>`);
    }
    case 'SetDesiredCapacity':
      await api.setDesiredCapacity(params.AutoScalingGroupName ?? '', Number(params.DesiredCapacity));
      return response(action, '');
    case 'TerminateInstanceInAutoScalingGroup':
      if (params.ShouldDecrementDesiredCapacity !== 'true') throw new AutoScalingError(action, 'ValidationError', 'this stand-in only terminates with decrement');
      await api.terminateInstanceAndDecrement(params.InstanceId ?? '');
      return response(
        action,
        `<Activity><ActivityId>act-1</ActivityId><AutoScalingGroupName>g</AutoScalingGroupName><Cause>terminated on request</Cause>` +
          '<StartTime>2025-01-01T00:00:00Z</StartTime><StatusCode>InProgress</StatusCode><Progress>0</Progress></Activity>',
      );
    default:
      throw new AutoScalingError(action, 'InvalidAction', `unknown action ${action}`);
  }
}

export async function startFakeAwsEndpoint(api: AutoScalingApi): Promise<FakeAwsEndpoint> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((request, reply) => {
    void (async () => {
      const params = Object.fromEntries(new URLSearchParams(await readBody(request)));
      const action = params.Action ?? '';
      received.push({ action, params, authorization: String(request.headers.authorization ?? '') });
      try {
        const body = await answer(api, action, params);
        reply.writeHead(200, { 'content-type': 'text/xml' }).end(body);
      } catch (err) {
        const code = err instanceof AutoScalingError ? err.code : 'InternalFailure';
        const message = err instanceof Error ? err.message.replace(/^auto scaling \S+ failed \(\S+\): /, '') : String(err);
        const status = code === 'InternalFailure' ? 500 : 400;
        reply
          .writeHead(status, { 'content-type': 'text/xml' })
          .end(`<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`);
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
