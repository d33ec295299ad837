// A real SMTP server on loopback (npm smtp-server) keeping each message parsed (mailparser), for
// tests that read what the platform mailed. It can be stopped and started again on its port.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../../common/ports.js';

export interface SmtpReceiver {
  url: string;
  port: number;
  messages: ParsedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const port = await freePort();
  const messages: ParsedMail[] = [];
  let server: SMTPServer | null = null;
  const receiver: SmtpReceiver = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onData(stream, _session, done) {
          simpleParser(stream).then(
            (mail) => {
              messages.push(mail);
              done();
            },
            (err: Error) => done(err),
          );
        },
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    async stop() {
      const running = server;
      server = null;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
  };
  await receiver.start();
  return receiver;
}
