export * from './audio/wav.ts';
export * from './livekit/index.ts';
export * from './minio/index.ts';
export * from './model-double/index.ts';
export * from './stack/index.ts';
export * from './visitor/index.ts';
