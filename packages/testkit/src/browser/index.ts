export * from './axe.ts';
export * from './chromium.ts';
export * from './fake-microphone.ts';
export * from './host-page.ts';
