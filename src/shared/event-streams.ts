import type { ServerResponse } from 'node:http';

/**
 * Server-sent event responses of one route: opened with the headers proxies need, kept alive with a
 * comment line, and all ended together when the server closes (open streams would keep `close()`
 * waiting for ever).
 */
export class EventStreams {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly heartbeatMs: number) {}

  /** Starts the stream on a hijacked response; `onClose` runs when the client goes away. Returns the writer. */
  start(stream: ServerResponse, onClose: () => void): (event: string, data: unknown) => void {
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: pass events through at once
    });
    this.open.add(stream);
    let sequence = 0;
    const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), this.heartbeatMs);
    heartbeat.unref();
    // The response's `close`, not the request's: that one fires as soon as the (empty) request body is read.
    stream.once('close', () => {
      clearInterval(heartbeat);
      this.open.delete(stream);
      onClose();
    });
    return (event, data) => {
      stream.write(`id: ${++sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
  }

  closeAll(): void {
    for (const stream of this.open) stream.end();
    this.open.clear();
  }
}
