import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initBackend } from '../src/backend/backend.js';
import { resolveArtifactDir } from '../src/artifacts/artifact.js';
import { RouterPipeline } from '../src/routers/RouterPipeline.js';
import { loadGatewayConfig } from '../src/gateway/GatewayConfig.js';
import { createApp } from './app.js';
import { gatewayMount } from './gateway/gatewayMount.js';
import type { RankService } from './rankService.js';

export interface ServeOptions {
  router?: string;
  ranker?: string;
  port?: number;
  host?: string;
  modelsDir?: string;
  backend?: string;
  /** Loads a ranker artifact into a RankService (injected so the server does not depend on ranker internals). */
  loadRanker?: (dir: string) => Promise<RankService>;
  log?: (o: Record<string, unknown>) => void;
  /** Gateway config file (JSON/YAML): mounts the OpenAI-compatible /v1/chat/completions and /v1/models. */
  gateway?: string;
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Load artifacts, build the app, listen. Used by serve/main.ts and `llmr serve`. */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const backend = await initBackend(o.backend ?? '');
  const router = o.router ? await RouterPipeline.load(resolveArtifactDir(o.router, o.modelsDir)) : null;
  const ranker = o.ranker && o.loadRanker ? await o.loadRanker(resolveArtifactDir(o.ranker, o.modelsDir)) : null;
  const gatewayConfig = o.gateway ? loadGatewayConfig(o.gateway) : null;
  const gateways: { close(): void }[] = [];
  const app = createApp({
    router,
    ranker,
    backend: backend.name,
    log: o.log,
    mounts: gatewayConfig
      ? (ctx) => {
          const m = gatewayMount(ctx, gatewayConfig);
          gateways.push(m.gateway);
          return [m];
        }
      : undefined,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(o.port ?? 8080, o.host ?? '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const addr = server.address() as AddressInfo;
  return {
    server,
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const g of gateways) g.close();
        server.close(() => resolve());
      }),
  };
}
