import { useEffect, useState } from 'react';
import { useSites } from '../../api/queries.ts';
import type { CallFilters } from '../../lib/call-filters.ts';
import { CALL_STATUS_LIST, END_REASON_LABELS, END_REASON_LIST, STATUS_LABELS } from '../../lib/labels.ts';

/** Search waits for a pause in typing, so each keystroke does not start a query. */
const SEARCH_PAUSE_MS = 350;

export function CallFiltersForm({
  filters,
  onChange,
}: {
  filters: CallFilters;
  onChange: (change: Partial<CallFilters>) => void;
}) {
  const sites = useSites();
  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);
  useEffect(() => {
    if (q === filters.q) return;
    const t = setTimeout(() => onChange({ q }), SEARCH_PAUSE_MS);
    return () => clearTimeout(t);
  }, [q, filters.q, onChange]);
  const set = (key: keyof CallFilters) => (e: { target: { value: string } }) =>
    onChange({ [key]: e.target.value });
  const anySet = Object.values(filters).some(Boolean);
  return (
    <search>
      <form
        className="filters"
        aria-label="Filter calls"
        onSubmit={(e) => {
          e.preventDefault();
          onChange({ q });
        }}
      >
        <label className="search">
          Search transcripts
          <input
            type="search"
            name="q"
            value={q}
            placeholder="Words said in the call"
            onChange={(e) => setQ(e.target.value)}
          />
        </label>
        <label>
          Status
          <select name="status" value={filters.status} onChange={set('status')}>
            <option value="">Any</option>
            {CALL_STATUS_LIST.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Site
          <select name="siteId" value={filters.siteId} onChange={set('siteId')}>
            <option value="">All sites</option>
            {sites.data?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          End reason
          <select name="endReason" value={filters.endReason} onChange={set('endReason')}>
            <option value="">Any</option>
            {END_REASON_LIST.map((r) => (
              <option key={r} value={r}>
                {END_REASON_LABELS[r]}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input
            type="date"
            name="from"
            value={filters.from}
            max={filters.to || undefined}
            onChange={set('from')}
          />
        </label>
        <label>
          To
          <input
            type="date"
            name="to"
            value={filters.to}
            min={filters.from || undefined}
            onChange={set('to')}
          />
        </label>
        <label>
          Min length (s)
          <input
            type="number"
            name="minDuration"
            min={0}
            inputMode="numeric"
            value={filters.minDuration}
            onChange={set('minDuration')}
          />
        </label>
        <label>
          Max length (s)
          <input
            type="number"
            name="maxDuration"
            min={0}
            inputMode="numeric"
            value={filters.maxDuration}
            onChange={set('maxDuration')}
          />
        </label>
        {anySet && (
          <button
            type="button"
            onClick={() =>
              onChange({
                q: '',
                status: '',
                siteId: '',
                endReason: '',
                from: '',
                to: '',
                minDuration: '',
                maxDuration: '',
              })
            }
          >
            Clear filters
          </button>
        )}
      </form>
    </search>
  );
}
