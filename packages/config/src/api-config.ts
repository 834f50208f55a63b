import { z } from 'zod';
import {
  boolFlag,
  httpUrl,
  livekitFields,
  logLevel,
  port,
  strongSecret,
  type TrustProxy,
  trustProxyField,
  wsUrl,
} from './fields.ts';
import { parseEnv } from './parse-env.ts';

const apiEnvSchema = z.object({
  PORT: port(3000),
  INTERNAL_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_BASE_URL: httpUrl.optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().default('.data'),
  ...livekitFields,
  // One node's URL, or every node's (comma-separated): server calls try each in turn, so the
  // API keeps minting calls while one node of a cluster is down.
  LIVEKIT_URL: z
    .string()
    .default('ws://127.0.0.1:7880')
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .refine(
      (urls) => urls.length > 0 && urls.every((u) => wsUrl.safeParse(u).success),
      'must be a ws(s):// or http(s):// URL, or several separated by commas',
    ),
  LIVEKIT_PUBLIC_URL: wsUrl.optional(),
  ADMIN_API_KEY: strongSecret,
  INTERNAL_SERVICE_KEY: strongSecret,
  VISITOR_KEY_SECRET: strongSecret,
  AGENT_NAME: z.string().min(1).default('voicedesk-support'),
  VISITOR_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(600).default(600),
  AGENT_JOIN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(300).default(20),
  /** A call whose dispatch got no job this long is dispatched again (every worker was full). */
  AGENT_REDISPATCH_SECONDS: z.coerce.number().int().min(1).max(300).default(3),
  CALL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** A staff session ends this long after its last request (sliding). */
  STAFF_SESSION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  /** Sign-in attempts (login, first-run code) per account and per address, in one window. */
  LOGIN_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  LOGIN_LIMIT_PER_IP: z.coerce.number().int().min(1).default(50),
  LOGIN_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(900),
  TRUST_PROXY: trustProxyField,
  ROOM_LOST_GRACE_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  VISITOR_JOIN_WINDOW_SECONDS: z.coerce.number().int().min(2).max(600).default(30),
  SETTLE_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
  LOG_LEVEL: logLevel,
  // Recordings: S3 (or any S3-compatible store) when S3_BUCKET is set, else files under DATA_DIR.
  S3_ENDPOINT: httpUrl.optional(),
  S3_PUBLIC_ENDPOINT: httpUrl.optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
    .optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: boolFlag.default(false),
  RECORDING_MODE: z.enum(['builtin', 'egress', 'off']).default('builtin'),
  /** The built-in recorder's control URL (apps/agent `recorder`). */
  RECORDER_URL: httpUrl.default('http://127.0.0.1:3002'),
  /** A builtin recording with no chunk for this long, once its call ended, is closed as `partial`. */
  RECORDING_STALL_SECONDS: z.coerce.number().int().min(1).max(3600).default(90),
  RECORDING_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(900).default(900),
  /** The Live view's event stream sends a comment this often, so proxies keep the connection open. */
  LIVE_HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(300).default(15),
  /** How long an escalation rings for staff before the assistant carries on (tests shorten it). */
  ESCALATION_OFFER_SECONDS: z.coerce.number().min(0.1).max(600).default(30),
  /**
   * A staff member who took a call and left the room without handing it back or ending it: if
   * they have not rejoined (a dropped browser) within this, the assistant takes over again.
   */
  STAFF_REJOIN_GRACE_SECONDS: z.coerce.number().min(0.1).max(600).default(15),
  DEFAULT_SITE_KEY: z
    .string()
    .regex(/^pk_[A-Za-z0-9_]{8,64}$/)
    .optional(),
  DEFAULT_SITE_ORIGINS: z.string().optional(),
});

/** A key that opens one door must not open another: each secret is its own. */
const DISTINCT_SECRETS = ['ADMIN_API_KEY', 'INTERNAL_SERVICE_KEY', 'VISITOR_KEY_SECRET'] as const;
const apiEnvChecked = apiEnvSchema.superRefine((e, ctx) => {
  DISTINCT_SECRETS.forEach((name, i) => {
    const earlier = DISTINCT_SECRETS.slice(0, i).find((other) => e[other] === e[name]);
    if (earlier) ctx.addIssue({ code: 'custom', path: [name], message: `must differ from ${earlier}` });
  });
  // Visitors get one URL; a node's own URL would strand them when that node dies.
  if (e.LIVEKIT_URL.length > 1 && !e.LIVEKIT_PUBLIC_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['LIVEKIT_PUBLIC_URL'],
      message: 'LIVEKIT_URL lists several nodes: set this to the load balancer in front of them',
    });
  }
  // Port 0 (any free port, tests) is the one value the two may share.
  if (e.INTERNAL_PORT !== undefined && e.INTERNAL_PORT !== 0 && e.INTERNAL_PORT === e.PORT) {
    ctx.addIssue({ code: 'custom', path: ['INTERNAL_PORT'], message: 'must differ from PORT' });
  }
  if (e.RECORDING_MODE === 'egress' && !e.S3_BUCKET) {
    ctx.addIssue({
      code: 'custom',
      path: ['S3_BUCKET'],
      message: 'egress recordings go to S3: set S3_BUCKET',
    });
  }
  if (e.S3_BUCKET && (!e.S3_ACCESS_KEY_ID || !e.S3_SECRET_ACCESS_KEY)) {
    const path = e.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID';
    ctx.addIssue({ code: 'custom', path: [path], message: 'required when S3_BUCKET is set' });
  }
});

export type ApiEnv = z.infer<typeof apiEnvSchema>;

export type StorageConfig =
  | {
      kind: 's3';
      endpoint: string | undefined;
      /** Where browsers reach the store, when it differs (compose's minio:9000 is not reachable). */
      publicEndpoint: string | undefined;
      bucket: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
      forcePathStyle: boolean;
    }
  | { kind: 'files'; dir: string };

export interface ApiConfig {
  port: number;
  /** When set, /internal/* is served only on this port (with /healthz and /readyz). */
  internalPort: number | undefined;
  host: string;
  publicBaseUrl: string | undefined;
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  /** `urls`: the nodes the API calls, in the order it tries them; `publicUrl`: what visitors join. */
  livekit: { urls: string[]; publicUrl: string; apiKey: string; apiSecret: string };
  adminApiKey: string;
  internalServiceKey: string;
  /** Derives the key a visitor hangs up with; its own secret, so it opens nothing else. */
  visitorKeySecret: string;
  agentName: string;
  visitorTokenTtlSeconds: number;
  agentJoinTimeoutSeconds: number;
  agentRedispatchSeconds: number;
  callRateLimitPerMinute: number;
  staff: {
    sessionTtlSeconds: number;
    loginLimitPerAccount: number;
    loginLimitPerIp: number;
    loginWindowSeconds: number;
  };
  trustProxy: TrustProxy;
  sweepIntervalMs: number;
  roomLostGraceSeconds: number;
  /** A minted call nobody joins within this ends missed/visitor_never_joined and frees its assistant. */
  visitorJoinWindowSeconds: number;
  /** How long an unsettled call (room gone, visitor dropped) waits for a witness before it is ended. */
  settleGraceSeconds: number;
  logLevel: ApiEnv['LOG_LEVEL'];
  storage: StorageConfig;
  recording: {
    mode: ApiEnv['RECORDING_MODE'];
    recorderUrl: string;
    stallSeconds: number;
    urlTtlSeconds: number;
  };
  defaultSite: { key: string | undefined; origins: string[] };
  live: { heartbeatSeconds: number };
  escalation: { offerSeconds: number; staffRejoinGraceSeconds: number };
}

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const e = parseEnv(apiEnvChecked, env);
  const [firstNode = ''] = e.LIVEKIT_URL; // never empty: refined above
  return {
    port: e.PORT,
    internalPort: e.INTERNAL_PORT,
    host: e.HOST,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: `${e.DATA_DIR}/pglite` },
    livekit: {
      urls: e.LIVEKIT_URL,
      publicUrl: e.LIVEKIT_PUBLIC_URL ?? firstNode,
      apiKey: e.LIVEKIT_API_KEY,
      apiSecret: e.LIVEKIT_API_SECRET,
    },
    adminApiKey: e.ADMIN_API_KEY,
    internalServiceKey: e.INTERNAL_SERVICE_KEY,
    visitorKeySecret: e.VISITOR_KEY_SECRET,
    agentName: e.AGENT_NAME,
    visitorTokenTtlSeconds: e.VISITOR_TOKEN_TTL_SECONDS,
    agentJoinTimeoutSeconds: e.AGENT_JOIN_TIMEOUT_SECONDS,
    agentRedispatchSeconds: e.AGENT_REDISPATCH_SECONDS,
    callRateLimitPerMinute: e.CALL_RATE_LIMIT_PER_MINUTE,
    staff: {
      sessionTtlSeconds: e.STAFF_SESSION_TTL_SECONDS,
      loginLimitPerAccount: e.LOGIN_LIMIT_PER_ACCOUNT,
      loginLimitPerIp: e.LOGIN_LIMIT_PER_IP,
      loginWindowSeconds: e.LOGIN_LIMIT_WINDOW_SECONDS,
    },
    trustProxy: e.TRUST_PROXY,
    sweepIntervalMs: e.SWEEP_INTERVAL_MS,
    roomLostGraceSeconds: e.ROOM_LOST_GRACE_SECONDS,
    visitorJoinWindowSeconds: e.VISITOR_JOIN_WINDOW_SECONDS,
    settleGraceSeconds: e.SETTLE_GRACE_SECONDS,
    logLevel: e.LOG_LEVEL,
    storage:
      e.S3_BUCKET && e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
        ? {
            kind: 's3',
            endpoint: e.S3_ENDPOINT,
            publicEndpoint: e.S3_PUBLIC_ENDPOINT,
            bucket: e.S3_BUCKET,
            region: e.S3_REGION,
            accessKeyId: e.S3_ACCESS_KEY_ID,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
          }
        : { kind: 'files', dir: `${e.DATA_DIR}/recordings` },
    recording: {
      mode: e.RECORDING_MODE,
      recorderUrl: e.RECORDER_URL,
      stallSeconds: e.RECORDING_STALL_SECONDS,
      urlTtlSeconds: e.RECORDING_URL_TTL_SECONDS,
    },
    defaultSite: {
      key: e.DEFAULT_SITE_KEY,
      origins: (e.DEFAULT_SITE_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    },
    live: { heartbeatSeconds: e.LIVE_HEARTBEAT_SECONDS },
    escalation: {
      offerSeconds: e.ESCALATION_OFFER_SECONDS,
      staffRejoinGraceSeconds: e.STAFF_REJOIN_GRACE_SECONDS,
    },
  };
}
