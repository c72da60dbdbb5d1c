import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { AsesMetrics } from './ases-metrics';

/**
 * `/metrics` on a port of its own (`metrics.port`, METRICS_PORT), without the API key: for a
 * network only Prometheus reaches. A bare node:http listener, so it answers whatever the host's
 * HTTP set-up (middleware, global guards, body gate) does on the API port.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ases');
  private server: Server | undefined;

  constructor(
    private readonly metrics: AsesMetrics,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  /** The port it listens on, once listening. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.options.metrics.port;
    if (port === undefined) {
      return;
    }
    const server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `ases: cannot serve the metrics on port ${port} (metrics.port, METRICS_PORT): ` +
              `${error.code ?? error.message}`,
          ),
        ),
      );
      server.listen(port, () => resolve());
    });
    server.on('error', (error) => this.logger.error(`metrics listener: ${error.message}`));
    this.server = server;
    this.logger.log(`Metrics    port ${port}, /metrics (no API key: keep this port internal)`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) {
      return;
    }
    // A scrape connection is kept alive between scrapes: do not wait for Prometheus to drop it.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      send(response, 404, 'Not found: the metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, 'Method not allowed: GET /metrics\n');
      return;
    }
    try {
      const text = await this.metrics.scrape();
      response.writeHead(200, {
        'Content-Type': this.metrics.contentType,
        'Cache-Control': 'no-store',
        'Content-Length': Buffer.byteLength(text),
      });
      response.end(request.method === 'HEAD' ? undefined : text);
    } catch (error) {
      this.logger.error(
        `metrics scrape failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      send(response, 500, 'The metrics could not be collected\n');
    }
  }
}

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
