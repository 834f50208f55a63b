import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { SessionUser } from '../api/types.ts';
import { SESSION_KEY } from '../session.ts';

/** After sign-in, first run or an accepted invite: the session is the answer's user; go on. */
export function useSignedIn() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (user: SessionUser, next = '/calls') => {
    queryClient.setQueryData(SESSION_KEY, user);
    // Only a path inside the app: a crafted ?next= must not send staff elsewhere.
    void navigate(next.startsWith('/') && !next.startsWith('//') ? next : '/calls', { replace: true });
  };
}
