import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { ErrorState, FormError, fieldError, Loading } from '../components/states.tsx';
import { useTitle } from '../components/use-title.ts';
import { AuthShell } from './auth-shell.tsx';
import { useSignedIn } from './use-signed-in.ts';

/** The first admin: whoever can read the API's log (the one-time code), not whoever comes first. */
export function FirstRunPage() {
  useTitle('Set up VoiceDesk');
  const setup = useQuery({ queryKey: ['auth-setup'], queryFn: () => unwrap(api.GET('/v1/auth/setup')) });
  const signedIn = useSignedIn();
  const [form, setForm] = useState({ code: '', email: '', name: '', password: '' });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/auth/setup', { body: form })),
    onSuccess: ({ user }) => signedIn(user, '/settings'),
  });
  if (setup.isPending) return <Loading what="set-up" />;
  if (setup.isError) return <ErrorState error={setup.error} retry={() => void setup.refetch()} />;
  if (!setup.data.needed) return <Navigate to="/sign-in" replace />;

  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const err = (field: string) => fieldError(create.error, field);
  return (
    <AuthShell
      title="Set up VoiceDesk"
      intro={
        <p>
          Create the first admin account. The set-up code is printed in the API’s log when it starts (look for{' '}
          <code>set-up code</code>); it proves you run this server.
        </p>
      }
    >
      <form className="form" onSubmit={submit} aria-label="Create the first admin">
        <label>
          Set-up code
          <input name="code" autoComplete="one-time-code" required value={form.code} onChange={set('code')} />
          {err('code') && <span className="field-error">{err('code')}</span>}
        </label>
        <label>
          Your name
          <input name="name" autoComplete="name" required value={form.name} onChange={set('name')} />
        </label>
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={form.email}
            onChange={set('email')}
          />
          {err('email') && <span className="field-error">{err('email')}</span>}
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="new-password"
            required
            minLength={12}
            value={form.password}
            onChange={set('password')}
          />
          <span className="muted">At least 12 characters.</span>
          {err('password') && <span className="field-error">{err('password')}</span>}
        </label>
        <FormError error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create admin account
        </button>
      </form>
    </AuthShell>
  );
}
