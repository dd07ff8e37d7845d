import { join } from 'node:path';
import { tinyKnnRouter } from './tinyRouter.js';

/** Save the tiny kNN router as <modelsDir>/tiny/<version> (a real, verified artifact); returns its folder. */
export async function saveTinyRouter(modelsDir: string, version: string, name = 'tiny'): Promise<string> {
  const r = await tinyKnnRouter();
  (r.meta as { version: string; name: string }).version = version;
  (r.meta as { version: string; name: string }).name = name;
  const dir = join(modelsDir, name, version);
  await r.save(dir);
  return dir;
}
