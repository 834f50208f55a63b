import { useQuery } from '@tanstack/react-query';
import { api, toApiError } from './api/client.ts';
import type { SessionUser } from './api/types.ts';

export const SESSION_KEY = ['session'] as const;

/** Who is signed in: the user, or null when nobody is (401). */
export async function fetchSession(): Promise<SessionUser | null> {
  const { data, error, response } = await api.GET('/v1/auth/session');
  if (response.status === 401) return null;
  if (!response.ok || !data) throw toApiError(response.status, error);
  return data.user;
}

export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: 60_000 });
}

/** The signed-in user; only for pages under RequireSession, which renders nothing until there is one. */
export function useUser(): SessionUser {
  const { data } = useSession();
  if (!data) throw new Error('useUser outside a signed-in page');
  return data;
}
