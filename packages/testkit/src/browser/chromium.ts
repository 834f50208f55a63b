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

/** Debian's Chromium with a fake microphone (DESIGN §7 flags; Playwright gives each launch a fresh profile). */
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
