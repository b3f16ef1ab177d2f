ALTER TABLE "cases" ADD COLUMN "external_ref" text;--> statement-breakpoint
ALTER TABLE "deputies" ADD COLUMN "external_ref" text;--> statement-breakpoint
ALTER TABLE "station_activities" ADD COLUMN "external_ref" text;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_external_ref_unique" UNIQUE("external_ref");--> statement-breakpoint
ALTER TABLE "deputies" ADD CONSTRAINT "deputies_external_ref_unique" UNIQUE("external_ref");--> statement-breakpoint
ALTER TABLE "station_activities" ADD CONSTRAINT "station_activities_external_ref_unique" UNIQUE("external_ref");