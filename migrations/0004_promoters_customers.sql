CREATE TABLE "customer_bindings" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"customer_id" text NOT NULL,
	"promoter_id" text NOT NULL,
	"source" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "customer_bindings_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "customer_bindings_source_check" CHECK ("customer_bindings"."source" in ('order', 'guide', 'link', 'api')),
	CONSTRAINT "customer_bindings_status_check" CHECK ("customer_bindings"."status" in ('active', 'expired', 'released')),
	CONSTRAINT "customer_bindings_period_check" CHECK ("customer_bindings"."expires_at" > "customer_bindings"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text,
	"phone" text,
	"email" text,
	"external_id" text,
	"addresses" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customers_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "promoter_tokens" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"promoter_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "promoter_tokens_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "promoters" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"phone" text,
	"status" text DEFAULT 'active' NOT NULL,
	"level" integer DEFAULT 0 NOT NULL,
	"location_code" text,
	"invited_by" text,
	"external_id" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "promoters_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "promoters_kind_check" CHECK ("promoters"."kind" in ('shopkeeper', 'guide', 'affiliate')),
	CONSTRAINT "promoters_status_check" CHECK ("promoters"."status" in ('active', 'suspended', 'terminated')),
	CONSTRAINT "promoters_not_self_invited" CHECK ("promoters"."invited_by" is null or "promoters"."invited_by" <> "promoters"."id")
);
--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "owner_promoter_id" text;--> statement-breakpoint
ALTER TABLE "customer_bindings" ADD CONSTRAINT "customer_bindings_tenant_id_customer_id_customers_tenant_id_id_fk" FOREIGN KEY ("tenant_id","customer_id") REFERENCES "public"."customers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_bindings" ADD CONSTRAINT "customer_bindings_tenant_id_promoter_id_promoters_tenant_id_id_fk" FOREIGN KEY ("tenant_id","promoter_id") REFERENCES "public"."promoters"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promoter_tokens" ADD CONSTRAINT "promoter_tokens_tenant_id_promoter_id_promoters_tenant_id_id_fk" FOREIGN KEY ("tenant_id","promoter_id") REFERENCES "public"."promoters"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promoters" ADD CONSTRAINT "promoters_tenant_id_invited_by_promoters_tenant_id_id_fk" FOREIGN KEY ("tenant_id","invited_by") REFERENCES "public"."promoters"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "customer_bindings_one_active" ON "customer_bindings" USING btree ("tenant_id","customer_id") WHERE "customer_bindings"."status" = 'active';--> statement-breakpoint
CREATE INDEX "customer_bindings_promoter_idx" ON "customer_bindings" USING btree ("tenant_id","promoter_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "customers_phone_key" ON "customers" USING btree ("tenant_id","phone");--> statement-breakpoint
CREATE UNIQUE INDEX "customers_email_key" ON "customers" USING btree ("tenant_id","email");--> statement-breakpoint
CREATE UNIQUE INDEX "customers_external_id_key" ON "customers" USING btree ("tenant_id","external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "promoter_tokens_hash_key" ON "promoter_tokens" USING btree ("tenant_id","token_hash");--> statement-breakpoint
CREATE INDEX "promoter_tokens_promoter_idx" ON "promoter_tokens" USING btree ("tenant_id","promoter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "promoters_external_id_key" ON "promoters" USING btree ("tenant_id","external_id");--> statement-breakpoint
CREATE INDEX "promoters_invited_by_idx" ON "promoters" USING btree ("tenant_id","invited_by");--> statement-breakpoint
ALTER TABLE "stores" ADD CONSTRAINT "stores_tenant_id_owner_promoter_id_promoters_tenant_id_id_fk" FOREIGN KEY ("tenant_id","owner_promoter_id") REFERENCES "public"."promoters"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "stores_owner_key" ON "stores" USING btree ("tenant_id","owner_promoter_id");--> statement-breakpoint
ALTER TABLE "stores" ADD CONSTRAINT "stores_owner_check" CHECK (("stores"."kind" = 'shopkeeper') = ("stores"."owner_promoter_id" is not null));