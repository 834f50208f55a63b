import { useState } from 'react';

/** A value shown once (an invitation link, an API key): copy it now, it cannot be shown again. */
export function CopySecret({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice stack" role="status">
      <strong>{label}</strong>
      <div className="secret">
        <code data-testid="secret">{value}</code>
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <span className="muted">It will not be shown again.</span>
    </div>
  );
}
