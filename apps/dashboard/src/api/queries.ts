import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client.ts';

/** The sites this user may see (agents: their own), for names and filters. */
export function useSites() {
  return useQuery({
    queryKey: ['sites'],
    queryFn: async () => (await unwrap(api.GET('/v1/sites'))).items,
    staleTime: 60_000,
  });
}

export function useSiteNames(): (siteId: string) => string {
  const { data } = useSites();
  return (siteId) => data?.find((s) => s.id === siteId)?.name ?? `${siteId.slice(0, 8)}…`;
}
