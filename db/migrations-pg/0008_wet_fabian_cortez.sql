DROP INDEX "opportunity_engagement_unread_share_idx";--> statement-breakpoint
CREATE INDEX "access_links_created_idx" ON "access_links" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "access_links_expires_idx" ON "access_links" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "rooms_expires_idx" ON "rooms" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "opportunity_engagement_unread_share_idx" ON "opportunity_engagement" USING btree ("unread_share_at","archived","stage","channel","owner_user_id");