export * from './balancer.ts';
export * from './binary.ts';
export * from './cluster.ts';
export * from './livekit-process.ts';
export * from './ports.ts';
export * from './redis.ts';
export * from './webhook-signature.ts';
