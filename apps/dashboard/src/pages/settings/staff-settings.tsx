import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useSites } from '../../api/queries.ts';
import type { Role, StaffUser } from '../../api/types.ts';
import { Empty, ErrorState, FormError, fieldError, Loading } from '../../components/states.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../session.ts';
import { CopySecret } from './copy-secret.tsx';

function SiteChecks({ value, onChange }: { value: string[]; onChange: (ids: string[]) => void }) {
  const sites = useSites();
  if (!sites.data?.length) return <p className="muted">No sites yet.</p>;
  return (
    <div className="checks">
      {sites.data.map((s) => (
        <label className="inline" key={s.id}>
          <input
            type="checkbox"
            checked={value.includes(s.id)}
            onChange={(e) =>
              onChange(e.target.checked ? [...value, s.id] : value.filter((id) => id !== s.id))
            }
          />
          {s.name}
        </label>
      ))}
    </div>
  );
}

function InviteForm() {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<{ email: string; name: string; role: Role; siteIds: string[] }>({
    email: '',
    name: '',
    role: 'agent',
    siteIds: [],
  });
  const [inviteUrl, setInviteUrl] = useState<string | null>(null);
  const invite = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/staff', { body: form })),
    onSuccess: (res) => {
      setInviteUrl(res.inviteUrl);
      setForm({ email: '', name: '', role: 'agent', siteIds: [] });
      void queryClient.invalidateQueries({ queryKey: ['staff'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate();
  };
  if (inviteUrl) {
    return (
      <CopySecret
        label="Send this invitation link to them (valid for 7 days)"
        value={inviteUrl}
        onDone={() => setInviteUrl(null)}
      />
    );
  }
  return (
    <form className="form" onSubmit={submit} aria-label="Invite a staff member">
      <div className="form-row">
        <label>
          Name
          <input
            name="name"
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        </label>
        <label>
          Email
          <input
            type="email"
            name="email"
            required
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
          {fieldError(invite.error, 'email') && (
            <span className="field-error">{fieldError(invite.error, 'email')}</span>
          )}
        </label>
        <label>
          Role
          <select
            name="role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
          >
            <option value="agent">Agent</option>
            <option value="admin">Admin</option>
          </select>
        </label>
      </div>
      {form.role === 'agent' && (
        <fieldset>
          <legend>Sites they answer for</legend>
          <SiteChecks value={form.siteIds} onChange={(siteIds) => setForm({ ...form, siteIds })} />
        </fieldset>
      )}
      <FormError error={invite.error} />
      <button type="submit" className="primary" disabled={invite.isPending}>
        Invite
      </button>
    </form>
  );
}

/** An agent's sites, edited in place: the checkboxes, saved with one PATCH of `siteIds`. */
function SitesEditor({
  user,
  saving,
  onSave,
  onCancel,
}: {
  user: StaffUser;
  saving: boolean;
  onSave: (siteIds: string[]) => void;
  onCancel: () => void;
}) {
  const [siteIds, setSiteIds] = useState<string[]>([...user.siteIds]);
  return (
    <form
      className="stack"
      aria-label={`Sites of ${user.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        onSave(siteIds);
      }}
    >
      <SiteChecks value={siteIds} onChange={setSiteIds} />
      <div className="form-row">
        <button type="submit" className="primary" disabled={saving}>
          Save sites
        </button>
        <button type="button" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function StaffRow({ user, self }: { user: StaffUser; self: boolean }) {
  const queryClient = useQueryClient();
  const [editingSites, setEditingSites] = useState(false);
  const [inviteUrl, setInviteUrl] = useState<string | null>(null);
  const update = useMutation({
    mutationFn: (change: { role?: Role; siteIds?: string[]; disabled?: boolean }) =>
      unwrap(api.PATCH('/v1/staff/{id}', { params: { path: { id: user.id } }, body: change })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['staff'] }),
  });
  // A new link replaces the old ones (a lost invite, a forgotten password): shown once, here.
  const reinvite = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/staff/{id}/invite', { params: { path: { id: user.id } } })),
    onSuccess: (res) => setInviteUrl(res.inviteUrl),
  });
  const sites = useSites();
  const siteNames =
    user.role === 'admin'
      ? 'All sites'
      : user.siteIds.map((id) => sites.data?.find((s) => s.id === id)?.name ?? id).join(', ') || 'None';
  return (
    <>
      <tr>
        <td>
          {user.name}
          {self && <span className="muted"> (you)</span>}
          <br />
          <span className="muted">{user.email}</span>
          {update.error ? <FormError error={update.error} /> : null}
          {reinvite.error ? <FormError error={reinvite.error} /> : null}
        </td>
        <td>
          <label>
            <span className="visually-hidden">Role of {user.name}</span>
            <select
              value={user.role}
              disabled={update.isPending}
              onChange={(e) => update.mutate({ role: e.target.value as Role })}
            >
              <option value="agent">Agent</option>
              <option value="admin">Admin</option>
            </select>
          </label>
        </td>
        <td>
          {editingSites && user.role === 'agent' ? (
            <SitesEditor
              user={user}
              saving={update.isPending}
              onCancel={() => setEditingSites(false)}
              onSave={(siteIds) => update.mutate({ siteIds }, { onSuccess: () => setEditingSites(false) })}
            />
          ) : (
            <>
              {siteNames}
              {user.role === 'agent' && (
                <>
                  {' '}
                  <button type="button" className="link" onClick={() => setEditingSites(true)}>
                    Edit<span className="visually-hidden"> sites of {user.name}</span>
                  </button>
                </>
              )}
            </>
          )}
        </td>
        <td>
          {user.disabled ? (
            <span className="badge failed">Disabled</span>
          ) : (
            <span className="badge completed">Active</span>
          )}
        </td>
        <td>{formatDateTime(user.lastSeenAt)}</td>
        <td>
          <div className="form-row">
            {!user.disabled && (
              <button type="button" disabled={reinvite.isPending} onClick={() => reinvite.mutate()}>
                New invite link<span className="visually-hidden"> for {user.name}</span>
              </button>
            )}
            <button
              type="button"
              className={user.disabled ? undefined : 'danger'}
              disabled={update.isPending || self}
              onClick={() => update.mutate({ disabled: !user.disabled })}
            >
              {user.disabled ? 'Enable' : 'Disable'}
              <span className="visually-hidden"> {user.name}</span>
            </button>
          </div>
        </td>
      </tr>
      {inviteUrl && (
        <tr>
          <td colSpan={6}>
            <CopySecret
              label={`Send this link to ${user.name} (valid for 7 days; older links stop working)`}
              value={inviteUrl}
              onDone={() => setInviteUrl(null)}
            />
          </td>
        </tr>
      )}
    </>
  );
}

export function StaffSettings() {
  const session = useSession();
  const staff = useQuery({
    queryKey: ['staff'],
    queryFn: async () => (await unwrap(api.GET('/v1/staff'))).items,
  });
  return (
    <div className="stack">
      <section className="card" aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite someone</h2>
        <InviteForm />
      </section>
      <section aria-labelledby="staff-heading">
        <h2 id="staff-heading">Staff</h2>
        <p className="muted">
          Disabling someone signs them out everywhere at once. A new invite link (a lost invite, a forgotten
          password) makes their older links stop working.
        </p>
        {staff.isPending ? (
          <Loading what="staff" />
        ) : staff.isError ? (
          <ErrorState error={staff.error} retry={() => void staff.refetch()} />
        ) : staff.data.length === 0 ? (
          <Empty>No staff yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Who</th>
                  <th scope="col">Role</th>
                  <th scope="col">Sites</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {staff.data.map((u) => (
                  <StaffRow key={u.id} user={u} self={u.id === session.data?.id} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
