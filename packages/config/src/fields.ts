import { z } from 'zod';

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
export const httpUrl = z.url({ protocol: /^https?$/ });
export const wsUrl = z.url({ protocol: /^(wss?|https?)$/ });
export const secret = (minLength: number) =>
  z.string().min(minLength, `must be at least ${minLength} characters`);
export const boolFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

export const livekitFields = {
  LIVEKIT_URL: wsUrl.default('ws://127.0.0.1:7880'),
  LIVEKIT_API_KEY: z.string().min(1),
  LIVEKIT_API_SECRET: secret(6),
};
