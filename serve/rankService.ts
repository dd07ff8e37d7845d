import type { z } from 'zod';
import { RankerPipeline } from '../src/rankers/RankerPipeline.js';
import { RankRequestSchema, RankResultSchema } from '../src/rankers/RankRequest.js';

/** A ranker as the service sees it: validates its own body (zod) and ranks. */
export interface RankService {
  readonly name: string;
  readonly version: string;
  readonly kind: string;
  readonly requestSchema: z.ZodType;
  readonly responseSchema?: z.ZodType;
  rank(body: unknown): Promise<unknown>;
}

/** A ranker pipeline as the HTTP service sees it. */
export function rankService(p: RankerPipeline): RankService {
  return {
    name: p.meta.name,
    version: p.meta.version,
    kind: p.kind,
    requestSchema: RankRequestSchema,
    responseSchema: RankResultSchema,
    rank: (body) => p.rank(body),
  };
}

/** Load a ranker artifact (verified) as a RankService. */
export async function loadRankService(dir: string): Promise<RankService> {
  return rankService(await RankerPipeline.load(dir));
}
