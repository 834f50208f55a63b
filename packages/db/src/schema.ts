import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const CALL_JOB_KINDS = [
  // Queued by versions before the end's own transaction froze the transcript: such rows still run.
  'freeze_transcript',
  'delete_room',
  'start_recording',
  'finalize_recording',
] as const;
/** What every call needs once it has ended, beyond its row (the transcript freezes with it). */
export const CALL_END_JOB_KINDS = ['delete_room'] as const satisfies readonly CallJobKind[];
export type CallJobKind = (typeof CALL_JOB_KINDS)[number];

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export interface SiteTheme {
  buttonLabel: string;
  color: string;
  position: 'bottom-right' | 'bottom-left';
}

/** Weekly opening hours in the site's time zone; an empty list per day means closed. */
export interface BusinessHours {
  timeZone: string;
  days: Partial<
    Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { open: string; close: string }[]>
  >;
}

export const sites = pgTable('sites', {
  id: uuid('id').primaryKey(),
  publicKey: text('public_key').notNull().unique(),
  name: text('name').notNull(),
  allowedOrigins: text('allowed_origins').array().notNull().default(sql`'{}'::text[]`),
  instructions: text('instructions').notNull(),
  greeting: text('greeting').notNull(),
  voice: text('voice').notNull().default('alloy'),
  language: text('language').notNull().default('en'),
  model: text('model'),
  maxCallSeconds: integer('max_call_seconds').notNull().default(900),
  /** Silence from both sides this long: the assistant checks in once, then ends the call (`idle`). */
  idleTimeoutSeconds: integer('idle_timeout_seconds').notNull().default(30),
  /** Calls minted and not yet answered, and calls in progress: past either, POST /v1/calls is 429. */
  maxPendingCalls: integer('max_pending_calls').notNull().default(20),
  maxActiveCalls: integer('max_active_calls').notNull().default(50),
  businessHours: jsonb('business_hours').$type<BusinessHours>(),
  escalationEnabled: boolean('escalation_enabled').notNull().default(false),
  /** How long an escalation rings for staff, seconds; null: ESCALATION_OFFER_SECONDS applies. */
  offerSeconds: integer('offer_seconds'),
  /** Off: calls of this site are never recorded (no object, no row). */
  recordingEnabled: boolean('recording_enabled').notNull().default(true),
  /** Shown by the widget before the call starts, when recording is on; null: no notice. */
  recordingNotice: text('recording_notice'),
  /** Calls (audio, transcript, events) older than this are erased by the retention job; null: kept. */
  retentionDays: integer('retention_days'),
  theme: jsonb('theme').$type<SiteTheme>().notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const voiceCalls = pgTable(
  'voice_calls',
  {
    id: uuid('id').primaryKey(),
    roomName: text('room_name').notNull().unique(),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id),
    callerIdentity: text('caller_identity').notNull(),
    callerName: text('caller_name'),
    callType: text('call_type', { enum: ['support', 'user-to-user', 'conference'] })
      .notNull()
      .default('support'),
    status: text('status', { enum: ['pending', 'ringing', 'connected', 'completed', 'missed', 'failed'] })
      .notNull()
      .default('pending'),
    phase: text('phase', { enum: ['ai', 'waiting_human', 'human'] })
      .notNull()
      .default('ai'),
    joinDeadline: ts('join_deadline').notNull(),
    startedAt: ts('started_at'),
    connectedAt: ts('connected_at'),
    endedAt: ts('ended_at'),
    durationSeconds: integer('duration_seconds'),
    endReason: text('end_reason'),
    /**
     * How many assistant jobs have taken this call. A second one comes when a LiveKit node dies
     * and the room moves: each job numbers its segments from its own block, so none collide.
     */
    assistantJobs: integer('assistant_jobs').notNull().default(0),
    /** Set while the projection is unsettled: from then on the sweeper may settle the call. */
    settleAfter: ts('settle_after'),
    recordingId: uuid('recording_id'),
    /**
     * The call's answer told its visitor the call is recorded (the site recorded when it was
     * minted). A recording starts only if this holds and the site still records. Rows from before
     * the column are true: their site's setting alone decided.
     */
    recordingAnnounced: boolean('recording_announced').notNull().default(true),
    transcript: jsonb('transcript').$type<TranscriptExport>(),
    summary: text('summary'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('voice_calls_site_created_idx').on(t.siteId, t.createdAt),
    index('voice_calls_status_idx').on(t.status),
    index('voice_calls_created_id_idx').on(t.createdAt, t.id),
    /** The list's duration filter: a range few calls fall in is otherwise a scan of every call. */
    index('voice_calls_duration_idx').on(t.durationSeconds),
    index('voice_calls_settle_after_idx').on(t.settleAfter).where(sql`${t.settleAfter} is not null`),
  ],
);

export interface TranscriptExport {
  segments: { seq: number; speaker: string; text: string; startedAt: string; endedAt: string }[];
}

export const callParticipants = pgTable(
  'call_participants',
  {
    id: uuid('id').primaryKey(),
    callId: uuid('call_id')
      .notNull()
      .references(() => voiceCalls.id, { onDelete: 'cascade' }),
    participantSid: text('participant_sid').notNull(),
    identity: text('identity').notNull(),
    kind: text('kind', { enum: ['visitor', 'ai', 'staff', 'recorder'] }).notNull(),
    name: text('name'),
    joinedAt: ts('joined_at').notNull(),
    leftAt: ts('left_at'),
    durationSeconds: integer('duration_seconds'),
    isMuted: boolean('is_muted').notNull().default(false),
  },
  (t) => [uniqueIndex('call_participants_call_sid_uq').on(t.callId, t.participantSid)],
);

export const callEvents = pgTable(
  'call_events',
  {
    id: uuid('id').primaryKey(),
    /** Arrival order: the projection latches a call's end on the first prefix of the log that decides it. */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
    /** LiveKit's webhook id, or a deterministic id for our own lifecycle events: replays are no-ops. */
    eventId: text('event_id').notNull().unique(),
    callId: uuid('call_id').references(() => voiceCalls.id, { onDelete: 'cascade' }),
    roomName: text('room_name'),
    type: text('type').notNull(),
    source: text('source', { enum: ['livekit', 'api', 'agent', 'sweeper'] }).notNull(),
    /** The normalised form the call projection folds over; null for events that do not move the call. */
    lifecycle: jsonb('lifecycle'),
    payload: jsonb('payload').notNull(),
    createdAt: ts('created_at').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [index('call_events_call_seq_idx').on(t.callId, t.seq)],
);

export const transcriptSegments = pgTable(
  'transcript_segments',
  {
    callId: uuid('call_id')
      .notNull()
      .references(() => voiceCalls.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    speaker: text('speaker').notNull(),
    text: text('text').notNull(),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at').notNull(),
    language: text('language'),
    source: text('source', { enum: ['realtime', 'stt'] }).notNull(),
    searchVector: tsvector('search_vector').generatedAlwaysAs(sql`to_tsvector('simple', "text")`),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.callId, t.seq] }),
    index('transcript_segments_search_idx').using('gin', t.searchVector),
  ],
);

export const callMetrics = pgTable(
  'call_metrics',
  {
    id: uuid('id').primaryKey(),
    callId: uuid('call_id')
      .notNull()
      .references(() => voiceCalls.id, { onDelete: 'cascade' }),
    turn: integer('turn').notNull(),
    kind: text('kind').notNull(),
    values: jsonb('values').$type<Record<string, number | string | boolean | null>>().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('call_metrics_call_turn_kind_uq').on(t.callId, t.turn, t.kind)],
);

/** Fixed-window counters in the database, so every API instance shares one limit. */
export const rateLimitHits = pgTable(
  'rate_limit_hits',
  {
    bucket: text('bucket').notNull(),
    windowStart: ts('window_start').notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] })],
);

/**
 * Work that must follow a call's end outside the database (delete its room): written in the
 * same transaction as the event that ended the call, then claimed and retried with backoff until
 * done, so a failure after commit is never lost.
 */
export const callJobs = pgTable(
  'call_jobs',
  {
    id: uuid('id').primaryKey(),
    callId: uuid('call_id')
      .notNull()
      .references(() => voiceCalls.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: CALL_JOB_KINDS }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    runAt: ts('run_at').notNull().defaultNow(),
    /** A claim lasts until then; a worker that died mid-job frees it by expiry. */
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    doneAt: ts('done_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('call_jobs_call_kind_uq').on(t.callId, t.kind),
    index('call_jobs_due_idx').on(t.runAt).where(sql`${t.doneAt} is null`),
  ],
);

/**
 * One per call. `startedAt` is the wall-clock instant of the recording's first sample: a transcript
 * segment's offset in the audio is its own start minus this.
 */
export const recordings = pgTable(
  'recordings',
  {
    id: uuid('id').primaryKey(),
    callId: uuid('call_id')
      .notNull()
      .unique()
      .references(() => voiceCalls.id, { onDelete: 'cascade' }),
    mode: text('mode', { enum: ['builtin', 'egress'] }).notNull(),
    status: text('status', { enum: ['active', 'complete', 'partial', 'failed'] })
      .notNull()
      .default('active'),
    /** 's3' or 'files' (the embedded store under DATA_DIR). */
    storage: text('storage', { enum: ['s3', 'files'] }).notNull(),
    bucket: text('bucket'),
    key: text('key').notNull(),
    contentType: text('content_type').notNull(),
    codec: text('codec').notNull(),
    bytes: bigint('bytes', { mode: 'number' }),
    durationMs: integer('duration_ms'),
    /** Builtin: chunks stored so far (0..chunks-1). */
    chunks: integer('chunks').notNull().default(0),
    /** When the recorder last sent a chunk, stored or not: it is alive while this moves. */
    lastChunkAt: ts('last_chunk_at'),
    /** Speech onsets per channel (ms), from the recorder: transcript lines are snapped to them. */
    speechOnsets: jsonb('speech_onsets').$type<{ left: number[]; right: number[] }>(),
    egressId: text('egress_id'),
    error: text('error'),
    startedAt: ts('started_at'),
    endedAt: ts('ended_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('recordings_active_idx').on(t.lastChunkAt).where(sql`${t.status} = 'active'`),
    index('recordings_egress_idx').on(t.egressId),
  ],
);

/** Who read or changed what: every read of a recording, every export and erasure. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey(),
    /** `staff:<id>`, `api-key:<id>`, `admin-key` (the bootstrap key), `system:retention`, `system:cli`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    /** No foreign key: the record of an erasure outlives the call it erased. */
    callId: uuid('call_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('audit_log_call_idx').on(t.callId, t.at), index('audit_log_at_idx').on(t.at)],
);

/** Named leases so that one API instance at a time runs singleton loops such as the sweeper. */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

export const STAFF_ROLES = ['admin', 'agent'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const API_KEY_SCOPES = ['calls:read', 'calls:write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** People who answer and run support. No password until an invite is accepted. */
export const staffUsers = pgTable('staff_users', {
  id: uuid('id').primaryKey(),
  /** Stored lowercased, so `Ann@X` and `ann@x` are one account. */
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: STAFF_ROLES }).notNull(),
  /** `scrypt$<N>$<r>$<p>$<salt>$<hash>` (services/passwords.ts); null until an invite is accepted. */
  passwordHash: text('password_hash'),
  disabledAt: ts('disabled_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastSeenAt: ts('last_seen_at'),
});

/** The sites an agent works for; admins see every site whatever is listed here. */
export const staffSiteMembers = pgTable(
  'staff_site_members',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.siteId] }), index('staff_site_members_site_idx').on(t.siteId)],
);

/** Browser sessions: only the token's sha256 is kept, so a leaked table opens nothing. */
export const staffSessions = pgTable(
  'staff_sessions',
  {
    id: uuid('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** Slides forward with use (STAFF_SESSION_TTL_SECONDS after the last request). */
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    lastSeenAt: ts('last_seen_at'),
  },
  (t) => [index('staff_sessions_user_idx').on(t.userId)],
);

/** One-time invite links (hashed); accepting one sets the password and signs the user in. */
export const staffInvites = pgTable(
  'staff_invites',
  {
    id: uuid('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('staff_invites_user_idx').on(t.userId)],
);

/**
 * The first-run codes printed by each API process while no admin exists (hashed). In the
 * database, not in memory, so that behind a load balancer any instance accepts any of them.
 */
export const staffSetupCodes = pgTable('staff_setup_codes', {
  codeHash: text('code_hash').primaryKey(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Keys for programs: `vdk_<prefix>_<secret>`; the prefix finds the row, the secret's sha256 proves it. */
export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  prefix: text('prefix').notNull().unique(),
  secretHash: text('secret_hash').notNull(),
  scopes: text('scopes', { enum: API_KEY_SCOPES }).array().notNull(),
  /** No foreign key: a key outlives the account of the admin who made it. */
  createdBy: text('created_by').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
});

export const ESCALATION_STATUSES = [
  'ringing',
  'accepted',
  'declined',
  'expired',
  'unanswered',
  /** The call ended while it rang (or before the one who took it could join it). */
  'closed',
] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];

/**
 * A call offered to staff (issue 14). `reason` is what the assistant said (the visitor may read
 * it); `summary` is written by the API from the transcript, for staff only. At most one is open
 * (ringing or accepted) per call.
 */
export const escalations = pgTable(
  'escalations',
  {
    id: uuid('id').primaryKey(),
    callId: uuid('call_id')
      .notNull()
      .references(() => voiceCalls.id, { onDelete: 'cascade' }),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ESCALATION_STATUSES }).notNull().default('ringing'),
    reason: text('reason').notNull(),
    summary: text('summary').notNull(),
    requestedAt: ts('requested_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    /** No foreign key: the record outlives the staff account. */
    acceptedBy: uuid('accepted_by'),
    acceptedAt: ts('accepted_at'),
    endedAt: ts('ended_at'),
  },
  (t) => [
    index('escalations_call_idx').on(t.callId),
    index('escalations_ringing_idx').on(t.status, t.expiresAt),
    uniqueIndex('escalations_one_open_per_call')
      .on(t.callId)
      .where(sql`status = 'ringing' or (status = 'accepted' and ended_at is null)`),
  ],
);

/** Who turned an offer down; when every available staff member of the site has, nobody is left. */
export const escalationDeclines = pgTable(
  'escalation_declines',
  {
    escalationId: uuid('escalation_id')
      .notNull()
      .references(() => escalations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.escalationId, t.userId] })],
);

/** Staff who said they can take calls now (the dashboard's available/away switch); absent = away. */
export const staffAvailability = pgTable('staff_availability', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => staffUsers.id, { onDelete: 'cascade' }),
  available: boolean('available').notNull().default(false),
  changedAt: ts('changed_at').notNull().defaultNow(),
});

export const CALLBACK_STATUSES = ['open', 'claimed', 'closed'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/**
 * A visitor nobody could take asked to be called back (issue 14): the assistant collected a
 * name, a contact and a reason. One per call. Personal data: it goes with its call (erasure,
 * retention). Staff of the call's site claim it, then close it once they called.
 */
export const callbackRequests = pgTable(
  'callback_requests',
  {
    id: uuid('id').primaryKey(),
    callId: uuid('call_id')
      .notNull()
      .unique()
      .references(() => voiceCalls.id, { onDelete: 'cascade' }),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    contact: text('contact').notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: CALLBACK_STATUSES }).notNull().default('open'),
    /** No foreign key: the record outlives the staff account. */
    claimedBy: uuid('claimed_by'),
    claimedAt: ts('claimed_at'),
    closedAt: ts('closed_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('callback_requests_site_status_idx').on(t.siteId, t.status, t.createdAt)],
);
