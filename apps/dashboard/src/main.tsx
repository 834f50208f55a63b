import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { ApiError, onUnauthorized } from './api/client.ts';
import { createAppRouter } from './router.tsx';
import { SESSION_KEY } from './session.ts';
import { applyStoredTheme } from './theme.ts';
import './styles.css';

applyStoredTheme();

const queryClient = new QueryClient({
  queryCache: new QueryCache(),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // A refusal will not turn into an answer by asking again; a network blip might.
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});
const router = createAppRouter();

// A 401 from any request means the session ended (signed out elsewhere, disabled, expired).
onUnauthorized(() => {
  queryClient.setQueryData(SESSION_KEY, null);
  const { pathname, search } = router.state.location;
  if (pathname !== '/sign-in') void router.navigate(`/sign-in?next=${encodeURIComponent(pathname + search)}`);
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  );
}
