/**
 * All styles live in the shadow root. The page's own rules still reach the host element and
 * beat plain :host rules (a `* { all: unset }` reset would un-fix it), so the host's placement
 * is !important and every inner element sets its own font rather than inheriting the page's.
 */
export const STYLES = `
:host { all: initial !important; display: block !important; position: fixed !important; bottom: 20px !important;
  top: auto !important; z-index: 2147483000 !important; -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
[hidden] { display: none !important; }
:host([data-position='bottom-right']) { right: 20px !important; left: auto !important; }
:host([data-position='bottom-left']) { left: 20px !important; right: auto !important; }
.panel, .sr { font: 15px/1.4 system-ui, sans-serif; }
* { box-sizing: border-box; }
.launcher { all: unset; box-sizing: border-box; display: inline-flex; align-items: center; gap: 8px; cursor: pointer;
  background: var(--vd-color); color: #fff; border-radius: 999px; padding: 12px 18px; font: 600 15px/1.2 system-ui, sans-serif;
  box-shadow: 0 6px 20px rgb(0 0 0 / 0.25); }
.launcher:focus-visible, button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.panel { width: min(340px, calc(100vw - 40px)); background: #fff; color: #111; border-radius: 14px; padding: 16px;
  box-shadow: 0 10px 30px rgb(0 0 0 / 0.3); display: grid; gap: 10px; }
.status { font-weight: 600; margin: 0; }
.who { margin: 0; font-size: 14px; color: #374151; }
.caption { min-height: 2.8em; margin: 0; color: #333; }
.notice { margin: 0; font-size: 12px; color: #4b5563; }
.row { display: flex; gap: 8px; align-items: center; }
.row button { all: unset; box-sizing: border-box; cursor: pointer; padding: 8px 14px; border-radius: 8px; background: #e5e7eb; color: #111; font: 600 14px system-ui, sans-serif; }
.row button.hangup { background: #dc2626; color: #fff; }
.timer { margin-left: auto; font-variant-numeric: tabular-nums; }
.speaking { flex: none; width: 12px; height: 12px; border-radius: 50%; background: #9ca3af; transition: transform 120ms; }
.speaking.on { background: #16a34a; transform: scale(1.3); }
@media (prefers-reduced-motion: reduce) { .speaking { transition: none; } .speaking.on { transform: none; } }
@media (prefers-color-scheme: dark) { .panel { background: #1f2937; color: #f9fafb; } .caption, .who { color: #d1d5db; }
  .notice { color: #d1d5db; } .row button { background: #374151; color: #f9fafb; } }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
