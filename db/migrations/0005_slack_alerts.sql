CREATE TABLE `slack_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idempotency_key` text NOT NULL,
	`kind` text NOT NULL,
	`opportunity_id` text,
	`visit_id` text,
	`recipient_user_id` text,
	`detail` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`due_at` integer NOT NULL,
	`lease_until` integer,
	`last_error` text,
	`sent_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`recipient_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `slack_outbox_idempotency_key_unique` ON `slack_outbox` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `slack_outbox_due_idx` ON `slack_outbox` (`status`,`due_at`);--> statement-breakpoint
ALTER TABLE `document_views` ADD `document_category` text;--> statement-breakpoint
ALTER TABLE `document_views` ADD `document_title` text;--> statement-breakpoint
ALTER TABLE `opportunities` ADD `alerts_muted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `slack_alerts` text DEFAULT 'instant' NOT NULL;