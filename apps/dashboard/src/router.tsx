import { createBrowserRouter, Navigate } from 'react-router';
import { AppLayout } from './components/app-layout.tsx';
import { RequireAdmin, RequireSession } from './components/guards.tsx';
import { loadAnswerPage } from './pages/answer-page-chunk.ts';
import { CallDetailPage } from './pages/call-detail-page.tsx';
import { CallbacksPage } from './pages/callbacks-page.tsx';
import { CallsPage } from './pages/calls-page.tsx';
import { FirstRunPage } from './pages/first-run-page.tsx';
import { InviteAcceptPage } from './pages/invite-accept-page.tsx';
import { LivePage } from './pages/live-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { ApiKeysSettings } from './pages/settings/api-keys-settings.tsx';
import { SettingsLayout } from './pages/settings/settings-layout.tsx';
import { SitesSettings } from './pages/settings/sites-settings.tsx';
import { StaffSettings } from './pages/settings/staff-settings.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';

/** Every page of the app, under /app (the API serves index.html for each of these paths). */
export function createAppRouter() {
  return createBrowserRouter(
    [
      { path: '/sign-in', element: <SignInPage /> },
      { path: '/first-run', element: <FirstRunPage /> },
      { path: '/invite/:token', element: <InviteAcceptPage /> },
      {
        path: '/',
        element: (
          <RequireSession>
            <AppLayout />
          </RequireSession>
        ),
        children: [
          { index: true, element: <Navigate to="/calls" replace /> },
          { path: 'calls', element: <CallsPage /> },
          { path: 'calls/:id', element: <CallDetailPage /> },
          { path: 'live', element: <LivePage /> },
          { path: 'callbacks', element: <CallbacksPage /> },
          {
            // Its own chunk: livekit-client is loaded only when a staff member answers a call.
            path: 'answer/:callId',
            lazy: async () => ({ Component: (await loadAnswerPage()).AnswerPage }),
          },
          {
            path: 'settings',
            element: (
              <RequireAdmin>
                <SettingsLayout />
              </RequireAdmin>
            ),
            children: [
              { index: true, element: <Navigate to="sites" replace /> },
              { path: 'sites', element: <SitesSettings /> },
              { path: 'staff', element: <StaffSettings /> },
              { path: 'api-keys', element: <ApiKeysSettings /> },
            ],
          },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
    { basename: '/app' },
  );
}
