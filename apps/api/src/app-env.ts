import type { AppDeps } from './deps.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: AppDeps;
  };
}
