CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"call_id" uuid,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recordings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"call_id" uuid NOT NULL,
	"mode" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"storage" text NOT NULL,
	"bucket" text,
	"key" text NOT NULL,
	"content_type" text NOT NULL,
	"codec" text NOT NULL,
	"bytes" bigint,
	"duration_ms" integer,
	"chunks" integer DEFAULT 0 NOT NULL,
	"last_chunk_at" timestamp with time zone,
	"egress_id" text,
	"error" text,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recordings_call_id_unique" UNIQUE("call_id")
);
--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "recording_enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "recording_notice" text;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "retention_days" integer;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_call_id_voice_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."voice_calls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_call_idx" ON "audit_log" USING btree ("call_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "recordings_active_idx" ON "recordings" USING btree ("last_chunk_at") WHERE "recordings"."status" = 'active';--> statement-breakpoint
CREATE INDEX "recordings_egress_idx" ON "recordings" USING btree ("egress_id");