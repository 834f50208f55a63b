import type { ReactNode } from 'react';
import { ApiError } from '../api/client.ts';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state">{children}</div>;
}

/** What went wrong, in words, with a way to try again when trying again can help. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <p>{describeError(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return 'You do not have access to this.';
    if (error.status === 404) return 'Not found: it may have been deleted.';
    if (error.status === 429) return 'Too many attempts. Wait a moment and try again.';
    if (error.status >= 500) return `The server could not answer (${error.status}). Try again shortly.`;
    return error.message;
  }
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection.';
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/** A form's error, announced when it appears. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="alert" role="alert">
      {describeError(error)}
    </p>
  );
}

export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError && error.field === field ? error.message : undefined;
}
