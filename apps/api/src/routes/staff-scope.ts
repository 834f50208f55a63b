import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { AuditActor } from '../services/audit.ts';
import type { SiteScope } from '../services/calls-query.ts';
import { actorOf as actorOfStaff } from '../services/staff/staff-scope.ts';
import { staffOf } from './guards.ts';

/** Which sites the caller may see (set by the staffAny guard): `all`, or an agent's sites. */
export function scopeOf(c: Context<AppEnv>): SiteScope {
  return staffOf(c).siteIds;
}

/** Who the audit log names for what the caller does through a staff route. */
export function actorOf(c: Context<AppEnv>): AuditActor {
  return actorOfStaff(staffOf(c));
}
