import type { paths } from './openapi-types.ts';
import type { PendingPaths } from './pending-paths.ts';

/**
 * Every route the dashboard calls, as the API's own OpenAPI document describes it, plus issue
 * 14's routes the document does not have yet (pending-paths.ts; they replace any older entry).
 */
export type ApiPaths = Omit<paths, keyof PendingPaths> & PendingPaths;
