CREATE TABLE `document_files` (
	`version_id` text NOT NULL,
	`file` text NOT NULL,
	`bytes` blob NOT NULL,
	`size` integer NOT NULL,
	PRIMARY KEY(`version_id`, `file`),
	FOREIGN KEY (`version_id`) REFERENCES `document_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `document_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`document_slug` text NOT NULL,
	`number` integer,
	`status` text DEFAULT 'draft' NOT NULL,
	`source` text NOT NULL,
	`source_name` text NOT NULL,
	`content_hash` text NOT NULL,
	`title` text NOT NULL,
	`summary` text NOT NULL,
	`category` text NOT NULL,
	`language` text NOT NULL,
	`version_label` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`updated_on` integer NOT NULL,
	`markdown` text NOT NULL,
	`html` text NOT NULL,
	`headings` text NOT NULL,
	`reading_minutes` integer NOT NULL,
	`attachments` text NOT NULL,
	`created_by_user_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`published_at` integer,
	`withdrawn_at` integer,
	`withdrawn_by_user_id` text,
	FOREIGN KEY (`document_slug`) REFERENCES `documents`(`slug`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`withdrawn_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `document_versions_number_idx` ON `document_versions` (`document_slug`,`number`);--> statement-breakpoint
CREATE TABLE `documents` (
	`slug` text PRIMARY KEY NOT NULL,
	`current_version_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `document_views` ADD `document_version_id` text;--> statement-breakpoint
CREATE INDEX `document_views_contact_idx` ON `document_views` (`contact_id`,`document_slug`,`started_at`);