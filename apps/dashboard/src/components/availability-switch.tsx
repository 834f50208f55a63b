import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.ts';
import { describeError } from './states.tsx';

export const AVAILABILITY_KEY = ['availability'] as const;

/** Whether this staff member is offered calls (away until they say otherwise, and after sign-in). */
export function useAvailability() {
  return useQuery({
    queryKey: AVAILABILITY_KEY,
    queryFn: async () => (await unwrap(api.GET('/v1/staff/me/availability'))).available,
    staleTime: 60_000,
  });
}

/** The header's available/away switch. */
export function AvailabilitySwitch() {
  const queryClient = useQueryClient();
  const availability = useAvailability();
  const change = useMutation({
    mutationFn: async (available: boolean) =>
      (await unwrap(api.PUT('/v1/staff/me/availability', { body: { available } }))).available,
    onSuccess: (available) => queryClient.setQueryData(AVAILABILITY_KEY, available),
  });
  const available = availability.data === true;
  return (
    <span className="availability">
      <button
        type="button"
        role="switch"
        aria-checked={available}
        className={available ? 'switch on' : 'switch'}
        disabled={availability.isPending || change.isPending}
        onClick={() => change.mutate(!available)}
      >
        <span className="switch-track" aria-hidden="true">
          <span className="switch-thumb" />
        </span>
        Available for calls
      </button>
      <span className="availability-state" aria-hidden="true">
        {availability.isPending ? '…' : available ? 'Available' : 'Away'}
      </span>
      {(change.isError || availability.isError) && (
        <span className="field-error" role="alert">
          {describeError(change.error ?? availability.error)}
        </span>
      )}
    </span>
  );
}
