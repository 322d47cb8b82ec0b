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
ALTER TABLE "link_browsers" ADD CONSTRAINT "link_browsers_access_link_id_access_links_id_fk" FOREIGN KEY ("access_link_id") REFERENCES "public"."access_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_browsers" ADD CONSTRAINT "link_browsers_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_browsers" ADD CONSTRAINT "link_browsers_named_by_user_id_users_id_fk" FOREIGN KEY ("named_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "link_browsers_opportunity_idx" ON "link_browsers" USING btree ("opportunity_id");