import { NavLink, Outlet } from 'react-router';
import { useTitle } from '../../components/use-title.ts';

export function SettingsLayout() {
  useTitle('Settings');
  return (
    <>
      <h1>Settings</h1>
      <nav className="tabs" aria-label="Settings">
        <NavLink to="/settings/sites">Sites</NavLink>
        <NavLink to="/settings/staff">Staff</NavLink>
        <NavLink to="/settings/api-keys">API keys</NavLink>
      </nav>
      <Outlet />
    </>
  );
}
