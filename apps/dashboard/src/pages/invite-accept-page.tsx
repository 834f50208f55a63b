import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { FormError, fieldError } from '../components/states.tsx';
import { useTitle } from '../components/use-title.ts';
import { AuthShell } from './auth-shell.tsx';
import { useSignedIn } from './use-signed-in.ts';

export function InviteAcceptPage() {
  useTitle('Accept invitation');
  const { token = '' } = useParams();
  const signedIn = useSignedIn();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const accept = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/v1/auth/invite/accept', { body: { token, password, ...(name ? { name } : {}) } })),
    onSuccess: ({ user }) => signedIn(user),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    accept.mutate();
  };
  return (
    <AuthShell title="Join your team" intro="Choose a password to finish setting up your account.">
      <form className="form" onSubmit={submit} aria-label="Accept invitation">
        <label>
          Your name <span className="muted">(optional: keeps the name your admin entered)</span>
          <input name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="new-password"
            required
            minLength={12}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <span className="muted">At least 12 characters.</span>
          {fieldError(accept.error, 'password') && (
            <span className="field-error">{fieldError(accept.error, 'password')}</span>
          )}
        </label>
        <FormError error={accept.error} />
        <button type="submit" className="primary" disabled={accept.isPending}>
          Accept and sign in
        </button>
      </form>
    </AuthShell>
  );
}
