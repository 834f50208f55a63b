import type { paths } from './openapi-types.ts';
import type { PendingPaths } from './pending-types.ts';

/**
 * Every route the dashboard calls. The generated `paths` describe the API on this branch; the
 * routes still being built elsewhere come from pending-types.ts and win where both name a path.
 * After the merge and `npm run api:types`: `export type ApiPaths = paths;`.
 */
export type ApiPaths = Omit<paths, keyof PendingPaths> & PendingPaths;
