CREATE TABLE "rate_counters" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "rate_counters_scope_key_window_start_pk" PRIMARY KEY("scope","key","window_start")
);
--> statement-breakpoint
CREATE TABLE "submissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"receipt" text NOT NULL,
	"station_code" text NOT NULL,
	"name" text NOT NULL,
	"phone" text NOT NULL,
	"counterparty" text NOT NULL,
	"dispute_type" text NOT NULL,
	"description" text NOT NULL,
	"consent_version" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"case_id" uuid,
	"decline_reason" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"submitted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "submissions_receipt_unique" UNIQUE("receipt"),
	CONSTRAINT "submissions_case_id_unique" UNIQUE("case_id")
);
--> statement-breakpoint
ALTER TABLE "stations" ADD COLUMN "hotline" text;--> statement-breakpoint
ALTER TABLE "stations" ADD COLUMN "address" text;--> statement-breakpoint
ALTER TABLE "stations" ADD COLUMN "deputies_on_duty" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_station_code_stations_code_fk" FOREIGN KEY ("station_code") REFERENCES "public"."stations"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rate_counters_window_idx" ON "rate_counters" USING btree ("window_start");--> statement-breakpoint
CREATE INDEX "submissions_station_status_idx" ON "submissions" USING btree ("station_code","status","submitted_at");--> statement-breakpoint
CREATE INDEX "submissions_status_idx" ON "submissions" USING btree ("status","submitted_at");--> statement-breakpoint
CREATE INDEX "submissions_phone_idx" ON "submissions" USING btree ("phone","submitted_at");