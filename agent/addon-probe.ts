// Whether an add-on's server answers on its published port, in its own protocol (a TCP connect
// alone proves nothing behind Docker's userland proxy): PostgreSQL answers a startup message
// with an authentication request once it takes connections (while it starts up, with the error
// 57P03, which an SSLRequest's one byte does not tell apart); Redis answers PING with +PONG or an
// authentication error.
import { connect } from 'node:net';

export type AddonProbe = (service: 'postgresql' | 'redis', address: string, port: number) => Promise<boolean>;

/** Protocol 3.0's startup message for a user that authenticates no further than the server's first answer. */
function postgresStartup(): Buffer {
  const body = Buffer.from('user\0slipway-probe\0database\0postgres\0\0', 'latin1');
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(0x0003_0000, 4);
  body.copy(message, 8);
  return message;
}

/** The SQLSTATE of a PostgreSQL ErrorResponse (its 'C' field), or null. */
function sqlState(data: Buffer): string | null {
  for (const field of data.subarray(5).toString('latin1').split('\0')) if (field.startsWith('C')) return field.slice(1);
  return null;
}

/** Pure: whether the first bytes back are the service's answer, from a server that takes connections. */
export function answersLike(service: 'postgresql' | 'redis', data: Buffer): boolean {
  // 'R': an authentication request; 'E': an error, which says the server is there unless it is
  // "the database system is starting up" (or shutting down)
  if (service === 'postgresql') return data[0] === 0x52 || (data[0] === 0x45 && sqlState(data) !== '57P03');
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
    socket.once('connect', () => socket.write(service === 'postgresql' ? postgresStartup() : 'PING\r\n'));
    socket.once('data', (data: Buffer) => finish(answersLike(service, data)));
  });
