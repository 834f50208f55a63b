import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { staffOf } from './guards.ts';

/** Which sites the caller may see (set by the staffAny guard): `all`, or an agent's sites. */
export function scopeOf(c: Context<AppEnv>): readonly string[] | 'all' {
  return staffOf(c).siteIds;
}
