import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { FormError } from '../components/states.tsx';
import { useTitle } from '../components/use-title.ts';
import { useSession } from '../session.ts';
import { AuthShell } from './auth-shell.tsx';
import { useSignedIn } from './use-signed-in.ts';

export function SignInPage() {
  useTitle('Sign in');
  const [params] = useSearchParams();
  const next = params.get('next') ?? '/calls';
  const session = useSession();
  const setup = useQuery({
    queryKey: ['auth-setup'],
    queryFn: () => unwrap(api.GET('/v1/auth/setup')),
  });
  const signedIn = useSignedIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/auth/login', { body: { email, password } })),
    onSuccess: ({ user }) => signedIn(user, next),
  });

  if (setup.data?.needed) return <Navigate to="/first-run" replace />;
  if (session.data) return <Navigate to={next} replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  return (
    <AuthShell title="Sign in" intro="VoiceDesk for support staff.">
      <form className="form" onSubmit={submit} aria-label="Sign in">
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <FormError error={login.error} />
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="muted">Forgot your password? Ask an admin of your team for a new invitation.</p>
    </AuthShell>
  );
}
