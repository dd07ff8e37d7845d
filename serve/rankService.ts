import { LlmrError } from '../src/errors.js';
import type { RankService } from './app.js';

/** Load a ranker artifact as a RankService. Wired to src/rankers once the ranker pipeline lands. */
export async function loadRankService(dir: string): Promise<RankService> {
  throw new LlmrError(`cannot load ranker ${dir}: rankers are not available in this build`, { code: 'not_ready' });
}
