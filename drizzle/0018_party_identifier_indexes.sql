CREATE INDEX "parties_phone_idx" ON "parties" USING btree ("phone");--> statement-breakpoint
CREATE INDEX "parties_id_number_idx" ON "parties" USING btree ("id_number");