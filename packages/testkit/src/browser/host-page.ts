import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the host page keeps of the widget's public events, for the tests and the bench to read. */
export interface WidgetRecord {
  states: { state: string; text: string; callId?: string; error?: string; reason?: string }[];
  captions: string[];
  calls: string[];
  errors: string[];
  maxLevel: number;
  /** performance.now() of the first agent audio above the speaking threshold, per call. */
  firstAudioAt: number[];
  /** performance.now() of each press that started a call (the 'requesting-mic' state). */
  pressedAt: number[];
  /** Per press, the widget's `trace` steps: ms since the press of each step of the call's setup. */
  traces: Record<string, number>[];
  /** Every "who the visitor is talking to" line the widget announced, in order, over all calls. */
  talkingTo: string[];
}

const escapeAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/**
 * A customer's website on its own origin, with hostile global CSS, embedding the widget the
 * way site owners are told to. It records the widget's events for the test to read.
 */
export async function startHostPage() {
  let html = '';
  const render = (
    widgetSrc: string,
    siteKey: string,
    attrs: Record<string, string>,
  ) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title>
<style>* { all: unset; } head, script, style { display: none; } body { font-size: 40px; display: block; } button { font-size: 60px; }</style></head>
<body><main><h1>Welcome to the shop.</h1></main>
<script>
  window.__vd = { states: [], captions: [], calls: [], errors: [], maxLevel: 0, firstAudioAt: [], pressedAt: [], traces: [], talkingTo: [] };
  let heard = true;
  function wire() {
    VoiceDesk.on('state', (e) => {
      window.__vd.states.push(e);
      if (e.state === 'requesting-mic') { window.__vd.pressedAt.push(performance.now()); window.__vd.traces.push({}); heard = false; }
    });
    VoiceDesk.on('trace', (e) => { const t = window.__vd.traces.at(-1); if (t && !(e.step in t)) t[e.step] = e.ms; });
    VoiceDesk.on('call', (e) => window.__vd.calls.push(e.callId));
    VoiceDesk.on('caption', (e) => window.__vd.captions.push(e.text));
    VoiceDesk.on('level', (e) => {
      window.__vd.maxLevel = Math.max(window.__vd.maxLevel, e.level);
      if (!heard && e.level > 0.02) { heard = true; window.__vd.firstAudioAt.push(performance.now()); }
    });
    VoiceDesk.on('error', (e) => window.__vd.errors.push(e.code));
    VoiceDesk.on('talking-to', (e) => window.__vd.talkingTo.push(e.text));
  }
</script>
<script src="${widgetSrc}" data-site-key="${siteKey}" ${Object.entries(attrs)
    .map(([k, v]) => `data-${k}="${escapeAttr(v)}"`)
    .join(' ')} async onload="wire()"></script>
</body></html>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    /** Which widget and site key the page embeds (the API's port is only known later). */
    embed(widgetSrc: string, siteKey: string, attrs: Record<string, string> = {}) {
      html = render(widgetSrc, siteKey, attrs);
    },
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
