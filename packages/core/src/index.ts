export * from './call-status.ts';
export * from './contracts.ts';
export * from './end-reasons.ts';
export * from './errors.ts';
export * from './lifecycle.ts';
export * from './participants.ts';
export * from './recording.ts';
export * from './witness.ts';
