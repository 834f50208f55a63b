import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useSites } from '../../api/queries.ts';
import type { Site, SiteChange } from '../../api/types.ts';
import { Empty, ErrorState, FormError, fieldError, Loading } from '../../components/states.tsx';
import { DAYS } from '../../lib/business-hours.ts';
import { DAY_LABELS, type SiteForm, toChange, toForm } from '../../lib/site-form.ts';

function SiteEditor({ site, onSaved }: { site: Site | undefined; onSaved: (site: Site) => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState(() => toForm(site));
  const [localError, setLocalError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setForm(toForm(site));
    setSaved(false);
  }, [site]);
  const save = useMutation({
    mutationFn: async (change: SiteChange) => {
      if (site) {
        return (
          await unwrap(api.PATCH('/v1/sites/{id}', { params: { path: { id: site.id } }, body: change }))
        ).site;
      }
      return (await unwrap(api.POST('/v1/sites', { body: { ...change, name: change.name ?? '' } }))).site;
    },
    onSuccess: (s) => {
      setSaved(true);
      void queryClient.invalidateQueries({ queryKey: ['sites'] });
      onSaved(s);
    },
  });
  const text = (key: keyof SiteForm) => (e: { target: { value: string } }) => {
    setSaved(false);
    setForm((f) => ({ ...f, [key]: e.target.value }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const change = toChange(form, !site);
    if ('error' in change) return setLocalError(change.error);
    setLocalError(null);
    save.mutate(change);
  };
  const err = (field: string) => {
    const m = fieldError(save.error, field);
    return m ? <span className="field-error">{m}</span> : null;
  };
  return (
    <form className="form" onSubmit={submit} aria-label={site ? `Edit ${site.name}` : 'New site'}>
      {site && (
        <p className="muted">
          Site key <code>{site.publicKey}</code>
        </p>
      )}
      <label>
        Name
        <input name="name" required value={form.name} onChange={text('name')} />
        {err('name')}
      </label>
      <label>
        Greeting
        <input name="greeting" required value={form.greeting} onChange={text('greeting')} />
        {err('greeting')}
      </label>
      <label>
        Assistant instructions {!site && <span className="muted">(empty: the standard ones)</span>}
        <textarea
          name="instructions"
          required={Boolean(site)}
          value={form.instructions}
          onChange={text('instructions')}
        />
        {err('instructions')}
      </label>
      <div className="form-row">
        <label>
          Voice
          <input name="voice" value={form.voice} onChange={text('voice')} />
          {err('voice')}
        </label>
        <label>
          Maximum call length (s)
          <input
            type="number"
            min={30}
            name="maxCallSeconds"
            value={form.maxCallSeconds}
            onChange={text('maxCallSeconds')}
          />
          {err('maxCallSeconds')}
        </label>
        <label>
          Idle limit (s)
          <input
            type="number"
            min={5}
            name="idleTimeoutSeconds"
            value={form.idleTimeoutSeconds}
            onChange={text('idleTimeoutSeconds')}
          />
          {err('idleTimeoutSeconds')}
        </label>
      </div>
      <label>
        Allowed origins <span className="muted">(one per line, e.g. https://shop.example.com)</span>
        <textarea name="allowedOrigins" value={form.allowedOrigins} onChange={text('allowedOrigins')} />
        {err('allowedOrigins')}
      </label>
      <fieldset>
        <legend>Handing calls to staff</legend>
        <div className="stack">
          <label>
            Offer time (seconds){' '}
            <span className="muted">(10–300; empty: the server's default, 30 unless set otherwise)</span>
            <input
              type="number"
              min={10}
              max={300}
              step={1}
              name="offerSeconds"
              value={form.offerSeconds}
              onChange={text('offerSeconds')}
            />
            {err('offerSeconds')}
          </label>
        </div>
      </fieldset>
      <fieldset>
        <legend>Recording</legend>
        <div className="stack">
          <label className="inline">
            <input
              type="checkbox"
              checked={form.recordingEnabled}
              onChange={(e) => setForm((f) => ({ ...f, recordingEnabled: e.target.checked }))}
            />
            Record calls
          </label>
          <label>
            Notice shown to visitors before a recorded call{' '}
            {/* What the widget says then is its RECORDED_NOTICE (apps/widget/src/messages.ts). */}
            <span className="muted">(empty: “This call is recorded.”)</span>
            <input name="recordingNotice" value={form.recordingNotice} onChange={text('recordingNotice')} />
          </label>
          <label>
            Erase calls after (days) <span className="muted">(empty: keep)</span>
            <input
              type="number"
              min={1}
              name="retentionDays"
              value={form.retentionDays}
              onChange={text('retentionDays')}
            />
            {err('retentionDays')}
          </label>
        </div>
      </fieldset>
      <fieldset>
        <legend>Opening hours</legend>
        <div className="stack">
          <label>
            Time zone <span className="muted">(empty: always open)</span>
            <input
              name="timeZone"
              value={form.timeZone}
              placeholder="Europe/Paris"
              onChange={text('timeZone')}
            />
          </label>
          {form.timeZone.trim() && (
            <div className="hours">
              {DAYS.map((d) => (
                <label className="inline" key={d}>
                  <span>{DAY_LABELS[d]}</span>
                  <input
                    name={`hours-${d}`}
                    value={form.days[d]}
                    placeholder="closed"
                    onChange={(e) => setForm((f) => ({ ...f, days: { ...f.days, [d]: e.target.value } }))}
                  />
                </label>
              ))}
            </div>
          )}
          {err('businessHours')}
        </div>
      </fieldset>
      {localError && (
        <p className="alert" role="alert">
          {localError}
        </p>
      )}
      <FormError error={save.error} />
      {saved && (
        <p className="notice" role="status">
          Saved.
        </p>
      )}
      <button type="submit" className="primary" disabled={save.isPending}>
        {site ? 'Save changes' : 'Create site'}
      </button>
    </form>
  );
}

export function SitesSettings() {
  const sites = useSites();
  const [selected, setSelected] = useState<string | 'new' | null>(null);
  if (sites.isPending) return <Loading what="sites" />;
  if (sites.isError) return <ErrorState error={sites.error} retry={() => void sites.refetch()} />;
  const current =
    selected === 'new' ? undefined : (sites.data.find((s) => s.id === selected) ?? sites.data[0]);
  const creating = selected === 'new' || !current;
  return (
    <div className="stack">
      <fieldset className="site-list">
        <legend className="visually-hidden">Sites</legend>
        {sites.data.map((s) => (
          <button
            key={s.id}
            type="button"
            aria-pressed={!creating && current?.id === s.id}
            onClick={() => setSelected(s.id)}
          >
            {s.name}
          </button>
        ))}
        <button type="button" aria-pressed={creating} onClick={() => setSelected('new')}>
          + New site
        </button>
      </fieldset>
      {sites.data.length === 0 && selected !== 'new' && (
        <Empty>No sites yet: create the first one below.</Empty>
      )}
      <section className="card" aria-labelledby="site-heading">
        <h2 id="site-heading">{creating ? 'New site' : current.name}</h2>
        <SiteEditor
          key={creating ? 'new' : current.id}
          site={creating ? undefined : current}
          onSaved={(s) => setSelected(s.id)}
        />
      </section>
    </div>
  );
}
