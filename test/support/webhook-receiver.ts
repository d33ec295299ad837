// A Standard Webhooks receiver on loopback for tests: checks each signature, counts each event
// id (receivers dedupe by it), keeps the bodies, and can fail or hang on demand.
import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

/** A webhook receiver that checks signatures and counts each event id; it answers as `mode` says. */
export async function startWebhookReceiver(secret: string, port: number) {
  const verifier = new Webhook(secret.replace(/^whsec_/, ''));
  const seen = new Map<string, number>();
  const state = { mode: 'ok' as 'ok' | 'error' | 'hang', badSignatures: 0, server: null as Server | null, bodies: [] as string[] };
  const start = () =>
    new Promise<void>((resolve) => {
      state.server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (state.mode === 'hang') return; // never answers: the sender's timeout or death decides
          if (state.mode === 'error') return void res.writeHead(500).end();
          const body = Buffer.concat(chunks).toString();
          try {
            const event = verifier.verify(body, req.headers as Record<string, string>) as { id: string };
            state.bodies.push(body);
            seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
            res.writeHead(204).end();
          } catch {
            state.badSignatures++;
            res.writeHead(400).end();
          }
        });
      });
      state.server.listen(port, '127.0.0.1', resolve);
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      state.server?.closeAllConnections();
      state.server?.close(() => resolve());
    });
  return { seen, state, start, stop };
}
