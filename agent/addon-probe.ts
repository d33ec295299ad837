// Whether an add-on's server answers on its published port, in its own protocol (a TCP connect
// alone proves nothing behind Docker's userland proxy): PostgreSQL answers an SSLRequest with one
// byte ('S' or 'N'); Redis answers PING with +PONG or an authentication error.
import { connect } from 'node:net';

export type AddonProbe = (service: 'postgresql' | 'redis', address: string, port: number) => Promise<boolean>;

const POSTGRES_SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** Pure: whether the first bytes back are the service's answer. */
export function answersLike(service: 'postgresql' | 'redis', data: Buffer): boolean {
  if (service === 'postgresql') return data.length >= 1 && (data[0] === 0x53 || data[0] === 0x4e);
  const text = data.toString('latin1');
  return text.startsWith('+PONG') || text.startsWith('-NOAUTH') || text.startsWith('-ERR') || text.startsWith('-WRONGPASS');
}

export const addonAnswers: AddonProbe = (service, address, port, timeoutMs = 1000) =>
  new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('connect', () => socket.write(service === 'postgresql' ? POSTGRES_SSL_REQUEST : 'PING\r\n'));
    socket.once('data', (data: Buffer) => finish(answersLike(service, data)));
  });
