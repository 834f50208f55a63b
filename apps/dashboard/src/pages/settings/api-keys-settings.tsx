import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import type { ApiKeyScope } from '../../api/types.ts';
import { Empty, ErrorState, FormError, Loading } from '../../components/states.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { CopySecret } from './copy-secret.tsx';

const SCOPES: { scope: ApiKeyScope; label: string }[] = [
  { scope: 'calls:read', label: 'Read calls' },
  { scope: 'calls:write', label: 'Change and delete calls' },
  { scope: 'admin', label: 'Administer (staff, sites, keys)' },
];

export function ApiKeysSettings() {
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: async () => (await unwrap(api.GET('/v1/api-keys'))).items,
  });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['calls:read']);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/api-keys', { body: { name, scopes } })),
    onSuccess: (res) => {
      setSecret(res.secret);
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <div className="stack">
      <section className="card" aria-labelledby="new-key-heading">
        <h2 id="new-key-heading">New API key</h2>
        {secret ? (
          <CopySecret label="The new key’s secret" value={secret} onDone={() => setSecret(null)} />
        ) : (
          <form className="form" onSubmit={submit} aria-label="New API key">
            <label>
              Name
              <input
                name="name"
                required
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder="CRM sync"
              />
            </label>
            <fieldset>
              <legend>What it may do</legend>
              <div className="checks">
                {SCOPES.map(({ scope, label }) => (
                  <label className="inline" key={scope}>
                    <input
                      type="checkbox"
                      checked={scopes.includes(scope)}
                      onChange={(e) =>
                        setScopes((s) => (e.target.checked ? [...s, scope] : s.filter((x) => x !== scope)))
                      }
                    />
                    {label}
                  </label>
                ))}
              </div>
            </fieldset>
            <FormError error={create.error} />
            <button type="submit" className="primary" disabled={create.isPending || scopes.length === 0}>
              Create key
            </button>
          </form>
        )}
      </section>
      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        <FormError error={revoke.error} />
        {keys.isPending ? (
          <Loading what="API keys" />
        ) : keys.isError ? (
          <ErrorState error={keys.error} retry={() => void keys.refetch()} />
        ) : keys.data.length === 0 ? (
          <Empty>No API keys yet. Programs that read calls need one.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td className="mono">{k.prefix}…</td>
                    <td>{k.scopes.join(', ')}</td>
                    <td>{formatDateTime(k.createdAt)}</td>
                    <td>{formatDateTime(k.lastUsedAt)}</td>
                    <td>
                      {k.revokedAt ? (
                        <span className="muted">Revoked {formatDateTime(k.revokedAt)}</span>
                      ) : (
                        <button
                          type="button"
                          className="danger"
                          disabled={revoke.isPending}
                          onClick={() => {
                            if (window.confirm(`Revoke “${k.name}”? Programs using it stop working at once.`))
                              revoke.mutate(k.id);
                          }}
                        >
                          Revoke<span className="visually-hidden"> {k.name}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
