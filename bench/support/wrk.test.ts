import { describe, expect, it } from 'vitest';
import { medianResult, parseWrkOutput, wrkArgv } from './wrk.js';

const SAMPLE = `Running 3s test @ http://127.0.0.1:8080/small
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.91ms  210.11us   5.60ms   84.13%
    Req/Sec    35.12k     1.01k   36.40k    80.00%
  Latency Distribution
     50%  850.00us
     75%    0.98ms
     90%    1.12ms
     99%    1.80ms
  104811 requests in 3.00s, 15.89MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  34936.11
Transfer/sec:      5.30MB
`;

describe('wrk', () => {
  it('builds its argv with a Host header', () => {
    expect(wrkArgv({ url: 'http://127.0.0.1:1/small', threads: 1, connections: 32, durationSeconds: 3, headers: { Host: 'a.localhost' } })).toEqual([
      'wrk', '-t1', '-c32', '-d3s', '--latency', '-H', 'Host: a.localhost', 'http://127.0.0.1:1/small',
    ]);
  });

  it('reads throughput, p50 and p99 in milliseconds, and errors', () => {
    expect(parseWrkOutput(SAMPLE)).toEqual({ requestsPerSecond: 34936.11, requests: 104811, p50Ms: 0.85, p99Ms: 1.8, errors: 7 });
  });

  it('refuses output without figures', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/unexpected wrk output/);
  });

  it('takes the median of each figure over runs and sums errors', () => {
    const runs = [
      { requestsPerSecond: 30_000, requests: 90_000, p50Ms: 1, p99Ms: 2.5, errors: 0 },
      { requestsPerSecond: 10_000, requests: 30_000, p50Ms: 3, p99Ms: 1.5, errors: 1 },
      { requestsPerSecond: 20_000, requests: 60_000, p50Ms: 2, p99Ms: 9, errors: 2 },
    ];
    expect(medianResult(runs)).toEqual({ requestsPerSecond: 20_000, requests: 60_000, p50Ms: 2, p99Ms: 2.5, errors: 3 });
    expect(medianResult(runs.slice(0, 2)).requestsPerSecond).toBe(20_000);
    expect(() => medianResult([])).toThrow();
  });
});
