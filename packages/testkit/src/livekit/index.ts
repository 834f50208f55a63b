export * from './binary.ts';
export * from './livekit-process.ts';
export * from './ports.ts';
