CREATE TABLE "approval_decisions" (
	"opportunity_id" text NOT NULL,
	"suggestion_key" text NOT NULL,
	"decision" text NOT NULL,
	"decided_by_user_id" text,
	"decided_at" bigint NOT NULL,
	CONSTRAINT "approval_decisions_opportunity_id_suggestion_key_pk" PRIMARY KEY("opportunity_id","suggestion_key")
);
--> statement-breakpoint
CREATE TABLE "link_browsers" (
	"access_link_id" text NOT NULL,
	"device_id" text NOT NULL,
	"opportunity_id" text NOT NULL,
	"contact_id" text,
	"distinct_reader" boolean DEFAULT false NOT NULL,
	"first_seen_at" bigint NOT NULL,
	"named_by_user_id" text,
	"named_at" bigint,
	CONSTRAINT "link_browsers_access_link_id_device_id_pk" PRIMARY KEY("access_link_id","device_id")
);
--> statement-breakpoint
CREATE TABLE "opportunity_stage_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"opportunity_id" text NOT NULL,
	"from_stage" bigint,
	"to_stage" bigint NOT NULL,
	"from_stage_since" bigint,
	"reason" text NOT NULL,
	"changed_by_user_id" text,
	"suggestion_key" text,
	"changed_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "hand_off_owner_user_id" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "handed_off_at" bigint;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "handed_off_by_user_id" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "hand_off_reason" text;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_decided_by_user_id_users_id_fk" FOREIGN KEY ("decided_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_browsers" ADD CONSTRAINT "link_browsers_access_link_id_access_links_id_fk" FOREIGN KEY ("access_link_id") REFERENCES "public"."access_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_browsers" ADD CONSTRAINT "link_browsers_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_browsers" ADD CONSTRAINT "link_browsers_named_by_user_id_users_id_fk" FOREIGN KEY ("named_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_stage_changes" ADD CONSTRAINT "opportunity_stage_changes_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_stage_changes" ADD CONSTRAINT "opportunity_stage_changes_changed_by_user_id_users_id_fk" FOREIGN KEY ("changed_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "link_browsers_opportunity_idx" ON "link_browsers" USING btree ("opportunity_id");--> statement-breakpoint
CREATE INDEX "opportunity_stage_changes_opportunity_idx" ON "opportunity_stage_changes" USING btree ("opportunity_id","changed_at");--> statement-breakpoint
ALTER TABLE "opportunities" ADD CONSTRAINT "opportunities_hand_off_owner_user_id_users_id_fk" FOREIGN KEY ("hand_off_owner_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunities" ADD CONSTRAINT "opportunities_handed_off_by_user_id_users_id_fk" FOREIGN KEY ("handed_off_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;