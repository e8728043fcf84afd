/**
 * The HTTP gateway: the sessions API for backend systems, the return route for users' browsers, the webhook receiver
 * for Rest PKI Core, and the demo application. {@link startGateway} builds it and listens.
 */
import { buildGateway, type GatewayApp, type GatewayOptions } from './app';

export { buildGateway, type DemoOptions, type GatewayApp, type GatewayOptions } from './app';
export { loadGatewaySettings, type GatewaySettings, type WebhookAuthSettings } from './settings';

/** A gateway listening for requests. */
export interface RunningGateway {
  app: GatewayApp;
  /** Where it listens, e.g. `http://127.0.0.1:8080` (the bound address, not the public URL). */
  url: string;
  port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Builds the gateway and listens on `host`:`port` (port 0: a free one). */
export async function startGateway(
  options: GatewayOptions & { host?: string; port?: number },
): Promise<RunningGateway> {
  const app = await buildGateway(options);
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : (options.port ?? 8080);
  const host = options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () => app.close(),
  };
}
