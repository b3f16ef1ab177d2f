ALTER TABLE "deputies" ADD COLUMN "active" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "stations" ADD COLUMN "active" boolean DEFAULT true NOT NULL;