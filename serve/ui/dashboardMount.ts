import express from 'express';
import type { ServiceContext } from '../context.js';
import type { ServiceMount } from '../mount.js';
import { collectDashboard, type CollectOptions, type DashboardSource } from './dashboardData.js';
import { renderDashboard, type ServiceSummary } from './dashboardPage.js';

/**
 * `GET /ui` (the page) and `GET /ui/data.json` (the same figures as JSON), behind the same auth as /metrics
 * (`access: 'user'`). `source()` is read per request: the store may open after the server started.
 */
export interface DashboardOptions extends CollectOptions {
  source: () => DashboardSource | null;
  refreshSeconds?: number;
}

/** The service's own counters, read from its Prometheus rendering (request totals by route template and status). */
export function serviceSummary(ctx: ServiceContext): ServiceSummary {
  const requests = new Map<string, { route: string; ok: number; clientErrors: number; serverErrors: number }>();
  const rejections: Record<string, number> = {};
  for (const line of ctx.metrics.render().split('\n')) {
    let m = /^llmr_requests_total\{(.*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (m) {
      const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
      const key = `${labels.method} ${labels.route}`;
      const r = requests.get(key) ?? { route: key, ok: 0, clientErrors: 0, serverErrors: 0 };
      const st = Number(labels.status);
      const n = Number(m[2]);
      if (st >= 500) r.serverErrors += n;
      else if (st >= 400) r.clientErrors += n;
      else r.ok += n;
      requests.set(key, r);
      continue;
    }
    m = /^llmr_rejections_total\{reason="([^"]*)"\} (\d+)$/.exec(line);
    if (m) rejections[m[1]!] = (rejections[m[1]!] ?? 0) + Number(m[2]);
  }
  const p = ctx.holder.router;
  return {
    router: p
      ? {
          name: p.meta.name,
          version: p.meta.version,
          kind: p.router.kind,
          featurizer: p.featurizer.kind,
          models: [...p.models],
          evaluation: (p.meta.metrics ?? {}) as Record<string, unknown>,
        }
      : null,
    generation: ctx.holder.generation,
    uptimeSeconds: (Date.now() - ctx.startedAt) / 1000,
    backend: ctx.backend,
    requests: [...requests.values()].sort((a, b) => a.route.localeCompare(b.route)),
    rejections,
  };
}

export function dashboardMount(ctx: ServiceContext, o: DashboardOptions): ServiceMount {
  const router = express.Router();
  const windowOf = (q: unknown) => {
    const h = Number(q);
    return Number.isFinite(h) && h > 0 && h <= 24 * 90 ? h : o.windowHours;
  };
  router.get('/', async (req, res, next) => {
    try {
      const data = await collectDashboard(o.source(), { ...o, windowHours: windowOf(req.query.hours) });
      res.type('html').setHeader('cache-control', 'no-store');
      res.send(renderDashboard(data, serviceSummary(ctx), { refreshSeconds: o.refreshSeconds }));
    } catch (e) {
      next(e);
    }
  });
  router.get('/data.json', async (req, res, next) => {
    try {
      res.json({ ...(await collectDashboard(o.source(), { ...o, windowHours: windowOf(req.query.hours) })), service: serviceSummary(ctx) });
    } catch (e) {
      next(e);
    }
  });
  return { name: 'ui', path: '/ui', router, access: 'user', lane: 'none', bodyLimit: false };
}
