import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AuditActor } from '../services/audit.ts';
import type { SiteScope } from '../services/calls-query.ts';

/**
 * The sites the caller may see. Until staff accounts land, every staff route is behind the admin
 * key, which sees every site. At merge this becomes `c.var.staff.siteIds`.
 */
export function scopeOf(_c: Context<AppEnv>): SiteScope {
  return 'all';
}

/** Who the audit log names for a change made through a staff route; at merge, from `c.var.staff`. */
export function actorOf(_c: Context<AppEnv>): AuditActor {
  return 'admin-key';
}
