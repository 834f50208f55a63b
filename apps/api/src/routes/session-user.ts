import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { StaffScope } from '../services/staff/staff-scope.ts';
import { staffOf } from './guards.ts';

/** The session guard always names a user; this says so to the type checker. */
export function userOf(c: Context<AppEnv>): StaffScope & { id: string } {
  const staff = staffOf(c);
  if (staff.kind !== 'user' || staff.id === null) throw new Error('a session route reached without a user');
  return { ...staff, id: staff.id };
}
