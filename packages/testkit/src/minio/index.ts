export * from './binary.ts';
export * from './minio-process.ts';
