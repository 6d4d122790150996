// The yardstick: a bare node:http server that only checks the signature and parses the JSON.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

const secret = process.env['WHATSAPP_APP_SECRET'] ?? 'bench-secret';
const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const raw = Buffer.concat(chunks);
    const header = String(request.headers['x-hub-signature-256'] ?? '');
    const expected = createHmac('sha256', secret).update(raw).digest();
    const received = Buffer.from(header.slice(7), 'hex');
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
      response.writeHead(401).end();
      return;
    }
    JSON.parse(raw.toString('utf8'));
    response.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ msg: 'server.started', url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
