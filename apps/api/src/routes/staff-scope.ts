import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';

/**
 * Which sites the caller may see: `all`, or an agent's sites. Until the staff accounts land
 * every caller holds ADMIN_API_KEY, so this is `all`; at merge the lead points it at
 * `c.var.staff.siteIds` (set by the staffAny guard).
 */
export function scopeOf(_c: Context<AppEnv>): readonly string[] | 'all' {
  return 'all';
}
