CREATE TABLE `access_links` (
	`id` text PRIMARY KEY NOT NULL,
	`room_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`secret_hash` blob NOT NULL,
	`sealed_secret` text NOT NULL,
	`created_by_user_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`expires_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `access_links_room_idx` ON `access_links` (`room_id`);--> statement-breakpoint
CREATE INDEX `access_links_contact_idx` ON `access_links` (`contact_id`);--> statement-breakpoint
CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`industry` text,
	`website` text,
	`archived_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`email` text,
	`department` text,
	`job_title` text,
	`archived_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contacts_account_idx` ON `contacts` (`account_id`);--> statement-breakpoint
CREATE TABLE `opportunities` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`stage` integer NOT NULL,
	`amount_jpy` integer DEFAULT 0 NOT NULL,
	`expected_close_date` text,
	`channel` text NOT NULL,
	`owner_user_id` text NOT NULL,
	`sales_cycle` text DEFAULT 'short' NOT NULL,
	`archived_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`stage`) REFERENCES `pipeline_stages`(`number`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`owner_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `opportunities_account_idx` ON `opportunities` (`account_id`);--> statement-breakpoint
CREATE INDEX `opportunities_owner_idx` ON `opportunities` (`owner_user_id`);--> statement-breakpoint
CREATE TABLE `pipeline_stages` (
	`number` integer PRIMARY KEY NOT NULL,
	`label_ja` text NOT NULL,
	`label_en` text NOT NULL,
	`outcome` text DEFAULT 'open' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `room_documents` (
	`room_id` text NOT NULL,
	`document_slug` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`room_id`, `document_slug`),
	FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rooms` (
	`id` text PRIMARY KEY NOT NULL,
	`opportunity_id` text NOT NULL,
	`message` text DEFAULT '' NOT NULL,
	`locale` text DEFAULT 'ja' NOT NULL,
	`expires_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`opportunity_id`) REFERENCES `opportunities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rooms_opportunity_id_unique` ON `rooms` (`opportunity_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`display_name` text NOT NULL,
	`role` text DEFAULT 'rep' NOT NULL,
	`locale` text DEFAULT 'ja' NOT NULL,
	`password_hash` text,
	`job_title` text,
	`phone` text,
	`slack_user_id` text,
	`deactivated_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);