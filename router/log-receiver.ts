// Receives HAProxy's access logs: one syslog datagram (raw format) per request on a UDP
// socket bound to 127.0.0.1.
import { createSocket } from 'node:dgram';

export interface LogReceiver {
  port: number;
  close(): Promise<void>;
}

export function startLogReceiver(onMessage: (message: string) => void, host = '127.0.0.1'): Promise<LogReceiver> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    socket.once('error', reject);
    socket.on('message', (datagram) => onMessage(datagram.toString('utf8')));
    socket.bind(0, host, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve({ port: socket.address().port, close: () => new Promise((done) => socket.close(() => done())) });
    });
  });
}
