CREATE TABLE "call_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"call_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"done_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP INDEX "call_events_call_idx";--> statement-breakpoint
ALTER TABLE "call_events" ADD COLUMN "seq" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "call_events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "idle_timeout_seconds" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "max_pending_calls" integer DEFAULT 20 NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "max_active_calls" integer DEFAULT 50 NOT NULL;--> statement-breakpoint
ALTER TABLE "voice_calls" ADD COLUMN "assistant_jobs" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "voice_calls" ADD COLUMN "settle_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "call_jobs" ADD CONSTRAINT "call_jobs_call_id_voice_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."voice_calls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "call_jobs_call_kind_uq" ON "call_jobs" USING btree ("call_id","kind");--> statement-breakpoint
CREATE INDEX "call_jobs_due_idx" ON "call_jobs" USING btree ("run_at") WHERE "call_jobs"."done_at" is null;--> statement-breakpoint
CREATE INDEX "call_events_call_seq_idx" ON "call_events" USING btree ("call_id","seq");--> statement-breakpoint
CREATE INDEX "voice_calls_settle_after_idx" ON "voice_calls" USING btree ("settle_after") WHERE "voice_calls"."settle_after" is not null;--> statement-breakpoint
-- Reasons about the AI say "assistant" now ("agent" is a staff role): rename stored rows and the
-- lifecycle events the projection folds over, so a re-projection yields the same words.
UPDATE "voice_calls" SET "end_reason" = 'assistant_' || substr("end_reason", 7) WHERE "end_reason" IN ('agent_ended', 'agent_lost', 'agent_unavailable');--> statement-breakpoint
UPDATE "call_events" SET "lifecycle" = jsonb_set("lifecycle", '{reason}', to_jsonb('assistant_' || substr("lifecycle"->>'reason', 7))) WHERE "lifecycle"->>'reason' IN ('agent_ended', 'agent_lost', 'agent_unavailable');--> statement-breakpoint
UPDATE "call_events" SET "payload" = jsonb_set("payload", '{reason}', to_jsonb('assistant_' || substr("payload"->>'reason', 7))) WHERE "payload"->>'reason' IN ('agent_ended', 'agent_lost', 'agent_unavailable');--> statement-breakpoint
UPDATE "call_events" SET "type" = 'assistant_join_timeout', "lifecycle" = jsonb_set("lifecycle", '{type}', '"assistant_join_timeout"') WHERE "type" = 'agent_join_timeout';
