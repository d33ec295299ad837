// Talks to Redis as any local user could: a bare TCP connection, no client library, no AUTH
// unless the commands send it. Answers Redis's first reply line to each command.
import { connect } from 'node:net';

export function rawRedisReplies(port: number, commands: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`Redis on ${port} answered ${JSON.stringify(received)} to ${commands.length} commands`));
    });
    socket.on('error', reject);
    socket.on('connect', () => socket.write(commands.map((c) => `${c}\r\n`).join('')));
    socket.on('data', (chunk) => {
      received += chunk.toString();
      const lines = received.split('\r\n').filter((line) => /^[-+:$*]/.test(line));
      if (lines.length >= commands.length) {
        socket.destroy();
        resolve(lines.slice(0, commands.length));
      }
    });
  });
}
