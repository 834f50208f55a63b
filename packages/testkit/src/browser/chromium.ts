import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ChromiumOptions {
  /** WAV the fake microphone plays, on a loop. */
  wav?: string;
  /** Grant microphone prompts without asking (default); false leaves permission to the context. */
  fakeUi?: boolean;
  /** No capture devices at all, as on a desktop without a microphone. */
  noMicrophone?: boolean;
}

/**
 * Debian's Chromium (apt `chromium`, /usr/bin/chromium) with a fake microphone; Playwright gives
 * each launch a fresh profile. `--no-sandbox` because the tests run as root, where Chromium's
 * sandbox refuses to start. `--use-fake-ui-for-media-stream` grants the microphone without a
 * prompt and overrides a denied permission, so the "microphone denied" tests launch without it
 * (`fakeUi: false`). A wrong WAV path fails silently (silence), so tests assert received energy.
 */
export function launchChromium(opts: ChromiumOptions = {}): Promise<Browser> {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    ...(opts.noMicrophone ? [] : ['--use-fake-device-for-media-stream']),
    ...(opts.wav && !opts.noMicrophone ? [`--use-file-for-fake-audio-capture=${opts.wav}`] : []),
    ...((opts.fakeUi ?? true) ? ['--use-fake-ui-for-media-stream'] : []),
  ];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}
