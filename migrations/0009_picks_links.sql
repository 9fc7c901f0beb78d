CREATE TABLE "link_clicks" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"link_id" text NOT NULL,
	"clicked_at" timestamp with time zone NOT NULL,
	"user_agent_hash" text,
	"referrer_hash" text,
	CONSTRAINT "link_clicks_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "links" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"promoter_id" text NOT NULL,
	"store_id" text NOT NULL,
	"product_id" text,
	"campaign" text,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "links_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "links_status_check" CHECK ("links"."status" in ('active', 'disabled')),
	CONSTRAINT "links_code_check" CHECK ("links"."code" ~ '^[A-Za-z0-9_-]{3,64}$')
);
--> statement-breakpoint
CREATE TABLE "store_pick_prices" (
	"tenant_id" text NOT NULL,
	"pick_id" text NOT NULL,
	"variant_id" text NOT NULL,
	"price" bigint NOT NULL,
	CONSTRAINT "store_pick_prices_tenant_id_pick_id_variant_id_pk" PRIMARY KEY("tenant_id","pick_id","variant_id"),
	CONSTRAINT "store_pick_prices_price_check" CHECK ("store_pick_prices"."price" >= 0)
);
--> statement-breakpoint
CREATE TABLE "store_picks" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"store_id" text NOT NULL,
	"product_id" text NOT NULL,
	"recommendation" text,
	"status" text DEFAULT 'active' NOT NULL,
	"flag_reason" text,
	"flag_message" text,
	"flagged_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "store_picks_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "store_picks_status_check" CHECK ("store_picks"."status" in ('active', 'flagged')),
	CONSTRAINT "store_picks_flag_check" CHECK (("store_picks"."status" = 'flagged') = ("store_picks"."flag_reason" is not null))
);
--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "content_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_tenant_id_promoter_id_promoters_tenant_id_id_fk" FOREIGN KEY ("tenant_id","promoter_id") REFERENCES "public"."promoters"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_tenant_id_store_id_stores_tenant_id_id_fk" FOREIGN KEY ("tenant_id","store_id") REFERENCES "public"."stores"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_tenant_id_product_id_products_tenant_id_id_fk" FOREIGN KEY ("tenant_id","product_id") REFERENCES "public"."products"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_pick_prices" ADD CONSTRAINT "store_pick_prices_tenant_id_pick_id_store_picks_tenant_id_id_fk" FOREIGN KEY ("tenant_id","pick_id") REFERENCES "public"."store_picks"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_pick_prices" ADD CONSTRAINT "store_pick_prices_tenant_id_variant_id_variants_tenant_id_id_fk" FOREIGN KEY ("tenant_id","variant_id") REFERENCES "public"."variants"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_picks" ADD CONSTRAINT "store_picks_tenant_id_store_id_stores_tenant_id_id_fk" FOREIGN KEY ("tenant_id","store_id") REFERENCES "public"."stores"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_picks" ADD CONSTRAINT "store_picks_tenant_id_product_id_products_tenant_id_id_fk" FOREIGN KEY ("tenant_id","product_id") REFERENCES "public"."products"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "link_clicks_link_idx" ON "link_clicks" USING btree ("tenant_id","link_id");--> statement-breakpoint
CREATE UNIQUE INDEX "links_code_key" ON "links" USING btree ("tenant_id","code");--> statement-breakpoint
CREATE INDEX "links_promoter_idx" ON "links" USING btree ("tenant_id","promoter_id","id");--> statement-breakpoint
CREATE INDEX "store_pick_prices_variant_idx" ON "store_pick_prices" USING btree ("tenant_id","variant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "store_picks_store_product_key" ON "store_picks" USING btree ("tenant_id","store_id","product_id");--> statement-breakpoint
CREATE INDEX "store_picks_product_idx" ON "store_picks" USING btree ("tenant_id","product_id");