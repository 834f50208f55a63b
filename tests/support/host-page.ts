import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A customer's website on its own origin, with hostile global CSS, embedding the widget the
 * way site owners are told to. It records the widget's events for the test to read.
 */
export async function startHostPage() {
  let html = '';
  const render = (
    widgetSrc: string,
    siteKey: string,
  ) => `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<style>* { all: unset; } body { font-size: 40px; display: block; } button { font-size: 60px; }</style></head>
<body><p>Welcome to the shop.</p>
<script>
  window.__vd = { states: [], captions: [], maxLevel: 0, errors: [] };
  function wire() {
    VoiceDesk.on('state', (e) => window.__vd.states.push(e));
    VoiceDesk.on('caption', (e) => window.__vd.captions.push(e.text));
    VoiceDesk.on('level', (e) => { window.__vd.maxLevel = Math.max(window.__vd.maxLevel, e.level); });
    VoiceDesk.on('error', (e) => window.__vd.errors.push(e.code));
  }
</script>
<script src="${widgetSrc}" data-site-key="${siteKey}" async onload="wire()"></script>
</body></html>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    /** Which widget and site key the page embeds (the API's port is only known later). */
    embed(widgetSrc: string, siteKey: string) {
      html = render(widgetSrc, siteKey);
    },
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
