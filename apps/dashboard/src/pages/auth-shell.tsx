import type { ReactNode } from 'react';
import { ThemeToggle } from '../components/theme-toggle.tsx';

/** The frame of the pages seen before signing in. */
export function AuthShell({
  title,
  intro,
  children,
}: {
  title: string;
  intro?: ReactNode;
  children: ReactNode;
}) {
  return (
    <main className="auth-page" id="main">
      <div className="auth-card card stack">
        <div className="page-head">
          <h1>{title}</h1>
          <ThemeToggle />
        </div>
        {intro && <div className="muted">{intro}</div>}
        {children}
      </div>
    </main>
  );
}
