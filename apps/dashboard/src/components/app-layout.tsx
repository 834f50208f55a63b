import { useMutation, useQueryClient } from '@tanstack/react-query';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { api } from '../api/client.ts';
import { SESSION_KEY, useUser } from '../session.ts';
import { ThemeToggle } from './theme-toggle.tsx';

export function AppLayout() {
  const user = useUser();
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
          {user.role === 'admin' && <NavLink to="/settings">Settings</NavLink>}
        </nav>
        <div className="header-tools">
          <span className="user-name">
            {user.name} <span className="visually-hidden">({user.role})</span>
          </span>
          <ThemeToggle />
          <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
