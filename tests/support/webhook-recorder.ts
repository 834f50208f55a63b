import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedWebhook {
  body: string;
  authorization: string;
  event: string;
}

/** Stands where the API would, so a test can capture LiveKit's real webhooks and replay them. */
export async function startWebhookRecorder() {
  const received: RecordedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = (JSON.parse(body) as { event?: string }).event ?? '';
      received.push({ body, authorization: req.headers.authorization ?? '', event });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    async waitFor(event: string, timeoutMs = 30_000): Promise<RecordedWebhook> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const hit = received.find((r) => r.event === event);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `no ${event} webhook within ${timeoutMs} ms; got ${received.map((r) => r.event).join(', ')}`,
      );
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
