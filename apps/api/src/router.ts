import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './app-env.ts';
import { validationError } from './errors.ts';

const TARGETS = { json: 'body', query: 'query', param: 'path', header: 'header' } as const;

/** Every router shares the hook that turns a zod failure into the one error envelope. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const location = TARGETS[result.target as keyof typeof TARGETS] ?? 'body';
        throw validationError(result.error, location);
      }
    },
  });
}
