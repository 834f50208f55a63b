import { useMutation, useQueryClient } from '@tanstack/react-query';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { api } from '../api/client.ts';
import { SESSION_KEY, useUser } from '../session.ts';
import { AvailabilitySwitch, useAvailability } from './availability-switch.tsx';
import { IncomingCalls } from './incoming-calls.tsx';
import { LiveEventsProvider } from './live-events.tsx';
import { ThemeToggle } from './theme-toggle.tsx';

export function AppLayout() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation({
    mutationFn: () => api.POST('/v1/auth/logout'),
    onSettled: () => {
      queryClient.clear();
      queryClient.setQueryData(SESSION_KEY, null);
      void navigate('/sign-in');
    },
  });
  return (
    <LiveEventsProvider>
      <AppShell signOut={() => signOut.mutate()} signingOut={signOut.isPending} />
    </LiveEventsProvider>
  );
}

/** The header and page, inside the live event stream the offers and live pages share. */
function AppShell({ signOut, signingOut }: { signOut: () => void; signingOut: boolean }) {
  const user = useUser();
  const availability = useAvailability();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <NavLink to="/calls" className="brand">
          VoiceDesk
        </NavLink>
        <nav className="nav" aria-label="Main">
          <NavLink to="/calls">Calls</NavLink>
          <NavLink to="/live">Live</NavLink>
          <NavLink to="/callbacks">Callbacks</NavLink>
          {user.role === 'admin' && <NavLink to="/settings">Settings</NavLink>}
        </nav>
        <div className="header-tools">
          <span className="user-name">
            {user.name} <span className="visually-hidden">({user.role})</span>
          </span>
          <AvailabilitySwitch />
          <ThemeToggle />
          <button type="button" onClick={signOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
      </header>
      <IncomingCalls available={availability.data === true}>
        <main id="main" tabIndex={-1}>
          <Outlet />
        </main>
      </IncomingCalls>
    </>
  );
}
