import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium with a fake microphone playing `wav` (DESIGN §7 flags; Playwright gives each launch a fresh profile). */
export function launchChromium(opts: { wav?: string; fakeUi?: boolean } = {}): Promise<Browser> {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-device-for-media-stream',
    ...(opts.wav ? [`--use-file-for-fake-audio-capture=${opts.wav}`] : []),
    ...((opts.fakeUi ?? true) ? ['--use-fake-ui-for-media-stream'] : []),
  ];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}
