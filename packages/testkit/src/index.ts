export * from './double/index.ts';
export * from './livekit/index.ts';
export * from './visitor/index.ts';
export * from './stack/index.ts';
