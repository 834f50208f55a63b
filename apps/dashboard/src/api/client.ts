import createClient, { type Middleware } from 'openapi-fetch';
import type { ApiPaths } from './paths.ts';
import type { ErrorEnvelope } from './types.ts';

/** An answer that was not 2xx, with the API's error envelope when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function toApiError(status: number, body: unknown): ApiError {
  const envelope = body as Partial<ErrorEnvelope> | undefined;
  const e = envelope?.error;
  if (e && typeof e.code === 'string') return new ApiError(status, e.code, e.message, e.field);
  return new ApiError(status, 'http_error', `the server answered ${status}`);
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
/** Called whenever any request answers 401: the session is gone, wherever the user is. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const watchSession: Middleware = {
  onResponse({ response, request }) {
    // The auth routes answer 401 for a wrong password or no session yet: not a session lost.
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/v1/auth/')) {
      for (const listener of unauthorizedListeners) listener();
    }
    return undefined;
  },
};

/**
 * Same origin, the session cookie sent by the browser: no token is ever held in script. The
 * browser adds Origin to every POST/PATCH/DELETE, which the API checks against its own.
 */
export const api = createClient<ApiPaths>({ baseUrl: '', credentials: 'same-origin' });
api.use(watchSession);

/** The data of a 2xx answer, or the answer's ApiError thrown (for TanStack Query). */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response.status, error);
  return data as T;
}
