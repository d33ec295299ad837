import { describe, expect, it } from 'vitest';
import { natsServerOptions, natsUrlWithCredentials } from './nats-url.js';

describe('NATS URLs with credentials', () => {
  it('moves credentials out of the server URL', () => {
    expect(natsServerOptions('nats://host-1:s3cr%2Ft@127.0.0.1:4222')).toEqual({ servers: 'nats://127.0.0.1:4222', user: 'host-1', pass: 's3cr/t' });
    expect(natsServerOptions('nats://127.0.0.1:4222')).toEqual({ servers: 'nats://127.0.0.1:4222' });
  });

  it('round-trips credentials', () => {
    const url = natsUrlWithCredentials('nats://127.0.0.1:4222', 'router', 'p@ss');
    expect(natsServerOptions(url)).toEqual({ servers: 'nats://127.0.0.1:4222', user: 'router', pass: 'p@ss' });
  });
});
