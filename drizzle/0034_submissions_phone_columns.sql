-- An accepted submission keeps no personal data (DESIGN.md §10: a party's name, ID number and phone
-- only in `parties`): its sender's name and phone and the other side's name are its case's parties.
-- What still works off the phone gets a column of its own: the status look-up matches the last 4
-- digits, the per-phone daily limit counts a hash of the number (src/engine/submissions.ts
-- phoneKey: sha256 of 'phone', a newline and the number, base64url, its first 32 characters; the
-- engine clears it two days on). A phone erased (已删除) before this has neither: nothing was left
-- of it.
DROP INDEX "submissions_phone_idx";--> statement-breakpoint
ALTER TABLE "submissions" ALTER COLUMN "name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ALTER COLUMN "phone" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ALTER COLUMN "counterparty" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "phone_last4" text;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "phone_hash" text;--> statement-breakpoint
UPDATE "submissions" SET
  "phone_last4" = right("phone", 4),
  "phone_hash" = left(translate(encode(sha256(convert_to('phone' || chr(10) || "phone", 'UTF8')), 'base64'), '+/', '-_'), 32)
WHERE "phone" ~ '[0-9]{4}$';--> statement-breakpoint
UPDATE "submissions" SET "name" = NULL, "phone" = NULL, "counterparty" = NULL WHERE "status" = 'accepted';--> statement-breakpoint
CREATE INDEX "submissions_phone_hash_idx" ON "submissions" USING btree ("phone_hash","submitted_at");
