import type { paths } from './openapi-types.ts';

/** Every route the dashboard calls, as the API's own OpenAPI document describes it. */
export type ApiPaths = paths;
