CREATE TABLE "case_report_days" (
	"period" date NOT NULL,
	"station_code" text NOT NULL,
	"source" text NOT NULL,
	"dispute_type" text NOT NULL,
	"cases" integer NOT NULL,
	"agreements" integer NOT NULL,
	"failed" integer NOT NULL,
	"with_deputies" integer NOT NULL,
	"sessions" integer NOT NULL,
	"attendances" integer NOT NULL,
	"performed" integer NOT NULL,
	"settled" integer NOT NULL,
	"sent" integer NOT NULL,
	"from_agreements" integer NOT NULL,
	"fulfilled" integer NOT NULL,
	"settled_enf" integer NOT NULL,
	"terminated_this_round" integer NOT NULL,
	"terminated" integer NOT NULL,
	"over_limit" integer NOT NULL,
	"owed_fen" bigint NOT NULL,
	"recovered_fen" bigint NOT NULL,
	CONSTRAINT "case_report_days_period_station_code_source_dispute_type_pk" PRIMARY KEY("period","station_code","source","dispute_type")
);
--> statement-breakpoint
CREATE TABLE "case_report_months" (
	"period" date NOT NULL,
	"station_code" text NOT NULL,
	"source" text NOT NULL,
	"dispute_type" text NOT NULL,
	"cases" integer NOT NULL,
	"agreements" integer NOT NULL,
	"failed" integer NOT NULL,
	"with_deputies" integer NOT NULL,
	"sessions" integer NOT NULL,
	"attendances" integer NOT NULL,
	"performed" integer NOT NULL,
	"settled" integer NOT NULL,
	"sent" integer NOT NULL,
	"from_agreements" integer NOT NULL,
	"fulfilled" integer NOT NULL,
	"settled_enf" integer NOT NULL,
	"terminated_this_round" integer NOT NULL,
	"terminated" integer NOT NULL,
	"over_limit" integer NOT NULL,
	"owed_fen" bigint NOT NULL,
	"recovered_fen" bigint NOT NULL,
	CONSTRAINT "case_report_months_period_station_code_source_dispute_type_pk" PRIMARY KEY("period","station_code","source","dispute_type")
);
--> statement-breakpoint
DROP INDEX "cases_report_idx";--> statement-breakpoint
DROP INDEX "cases_updated_idx";