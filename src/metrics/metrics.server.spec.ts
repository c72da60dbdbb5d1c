import { createServer, Server } from 'node:net';
import { freePort } from '../../test/helpers/free-port';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesMetrics } from './ases-metrics';
import { MetricsServer } from './metrics.server';

function serverOn(port: number | undefined): MetricsServer {
  const metrics = { apiRoute: port === undefined, processMetrics: false, port };
  return new MetricsServer(new AsesMetrics({ metrics }), {
    metrics,
  } as unknown as ResolvedAsesOptions);
}

describe('MetricsServer', () => {
  it('listens on nothing without a port', async () => {
    const server = serverOn(undefined);
    await server.onApplicationBootstrap();
    expect(server.port).toBeUndefined();
    await server.onApplicationShutdown();
  });

  it('serves /metrics on its port, and stops at shutdown', async () => {
    const port = await freePort();
    const server = serverOn(port);
    await server.onApplicationBootstrap();
    expect(server.port).toBe(port);
    const head = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    await server.onApplicationShutdown();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('fails start-up naming the port and METRICS_PORT when the port is taken', async () => {
    const port = await freePort();
    const other: Server = createServer();
    await new Promise<void>((resolve) => other.listen(port, resolve));
    try {
      await expect(serverOn(port).onApplicationBootstrap()).rejects.toThrow(
        `ases: cannot serve the metrics on port ${port} (metrics.port, METRICS_PORT): EADDRINUSE`,
      );
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
