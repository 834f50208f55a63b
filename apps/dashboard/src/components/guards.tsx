import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../session.ts';
import { ErrorState, Loading } from './states.tsx';

/** Pages for signed-in staff: anyone else goes to sign-in (and comes back after). */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <Loading what="your session" />;
  if (session.isError) return <ErrorState error={session.error} retry={() => void session.refetch()} />;
  if (!session.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return <>{children}</>;
}

/** Admin pages: an agent who types the address sees a refusal (the API refuses them anyway). */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const { data } = useSession();
  if (data?.role !== 'admin') {
    return (
      <div className="state" role="alert">
        <h1>Admins only</h1>
        <p>Settings are managed by your team’s admins.</p>
      </div>
    );
  }
  return <>{children}</>;
}
