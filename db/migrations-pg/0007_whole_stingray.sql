CREATE TABLE "document_performance" (
	"document_slug" text NOT NULL,
	"stage" bigint NOT NULL,
	"channel" text NOT NULL,
	"owner_user_id" text NOT NULL,
	"views" bigint DEFAULT 0 NOT NULL,
	"active_seconds" bigint DEFAULT 0 NOT NULL,
	"completed_views" bigint DEFAULT 0 NOT NULL,
	"rooms" bigint DEFAULT 0 NOT NULL,
	"rooms_read" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "document_performance_document_slug_stage_channel_owner_user_id_pk" PRIMARY KEY("document_slug","stage","channel","owner_user_id")
);
--> statement-breakpoint
CREATE TABLE "opportunity_documents" (
	"opportunity_id" text NOT NULL,
	"document_slug" text NOT NULL,
	"views" bigint DEFAULT 0 NOT NULL,
	"active_seconds" bigint DEFAULT 0 NOT NULL,
	"completed_views" bigint DEFAULT 0 NOT NULL,
	"offered" boolean DEFAULT false NOT NULL,
	CONSTRAINT "opportunity_documents_opportunity_id_document_slug_pk" PRIMARY KEY("opportunity_id","document_slug")
);
--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "stage" bigint;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "channel" text;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "owner_user_id" text;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "archived" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "contacts_reading" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "browser_readers" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "possible_readers" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "documents_read" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "key_documents_read" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "documents_in_room" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "completed_views" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "downloads" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "prints" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "score_base" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "hot_key" double precision;--> statement-breakpoint
ALTER TABLE "opportunity_engagement" ADD COLUMN "unread_share_at" bigint;--> statement-breakpoint
CREATE INDEX "opportunity_engagement_hot_idx" ON "opportunity_engagement" USING btree ("hot_key");--> statement-breakpoint
CREATE INDEX "opportunity_engagement_channel_hot_idx" ON "opportunity_engagement" USING btree ("channel","hot_key");--> statement-breakpoint
CREATE INDEX "opportunity_engagement_stage_hot_idx" ON "opportunity_engagement" USING btree ("stage","hot_key");--> statement-breakpoint
CREATE INDEX "opportunity_engagement_owner_hot_idx" ON "opportunity_engagement" USING btree ("owner_user_id","hot_key");--> statement-breakpoint
CREATE INDEX "opportunity_engagement_unread_share_idx" ON "opportunity_engagement" USING btree ("unread_share_at");