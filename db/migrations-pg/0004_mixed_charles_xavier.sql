CREATE TABLE "document_files" (
	"version_id" text NOT NULL,
	"file" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"size" bigint NOT NULL,
	CONSTRAINT "document_files_version_id_file_pk" PRIMARY KEY("version_id","file")
);
--> statement-breakpoint
CREATE TABLE "document_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"document_slug" text NOT NULL,
	"number" bigint,
	"status" text DEFAULT 'draft' NOT NULL,
	"source" text NOT NULL,
	"source_name" text NOT NULL,
	"content_hash" text NOT NULL,
	"title" text NOT NULL,
	"summary" text NOT NULL,
	"category" text NOT NULL,
	"language" text NOT NULL,
	"version_label" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"updated_on" bigint NOT NULL,
	"markdown" text NOT NULL,
	"html" text NOT NULL,
	"headings" text NOT NULL,
	"reading_minutes" bigint NOT NULL,
	"attachments" text NOT NULL,
	"created_by_user_id" text,
	"created_at" bigint DEFAULT (extract(epoch from now()) * 1000)::bigint NOT NULL,
	"published_at" bigint,
	"withdrawn_at" bigint,
	"withdrawn_by_user_id" text
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"slug" text PRIMARY KEY NOT NULL,
	"current_version_id" text,
	"created_at" bigint DEFAULT (extract(epoch from now()) * 1000)::bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "document_views" ADD COLUMN "document_version_id" text;--> statement-breakpoint
ALTER TABLE "document_files" ADD CONSTRAINT "document_files_version_id_document_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."document_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_versions" ADD CONSTRAINT "document_versions_document_slug_documents_slug_fk" FOREIGN KEY ("document_slug") REFERENCES "public"."documents"("slug") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_versions" ADD CONSTRAINT "document_versions_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "document_versions" ADD CONSTRAINT "document_versions_withdrawn_by_user_id_users_id_fk" FOREIGN KEY ("withdrawn_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "document_versions_number_idx" ON "document_versions" USING btree ("document_slug","number");--> statement-breakpoint
CREATE INDEX "document_views_contact_idx" ON "document_views" USING btree ("contact_id","document_slug","started_at");