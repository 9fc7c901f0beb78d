CREATE TABLE "coupon_codes" (
	"tenant_id" text NOT NULL,
	"code" text NOT NULL,
	"coupon_id" text NOT NULL,
	"single_use" boolean NOT NULL,
	"order_id" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "coupon_codes_tenant_id_code_pk" PRIMARY KEY("tenant_id","code")
);
--> statement-breakpoint
CREATE TABLE "coupon_customer_uses" (
	"tenant_id" text NOT NULL,
	"coupon_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"uses" integer NOT NULL,
	CONSTRAINT "coupon_customer_uses_tenant_id_coupon_id_customer_id_pk" PRIMARY KEY("tenant_id","coupon_id","customer_id"),
	CONSTRAINT "coupon_customer_uses_check" CHECK ("coupon_customer_uses"."uses" >= 0)
);
--> statement-breakpoint
CREATE TABLE "coupon_redemptions" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"coupon_id" text NOT NULL,
	"code" text NOT NULL,
	"order_id" text NOT NULL,
	"customer_id" text,
	"discount" bigint NOT NULL,
	"released_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "coupon_redemptions_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "coupons" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"amount_off" bigint,
	"percent_off" integer,
	"max_discount" bigint,
	"currency" text NOT NULL,
	"min_spend" bigint DEFAULT 0 NOT NULL,
	"scope" text DEFAULT 'all' NOT NULL,
	"scope_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"members_only" boolean DEFAULT false NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"usage_limit" integer,
	"per_customer_limit" integer,
	"redeemed" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "coupons_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "coupons_kind_check" CHECK ("coupons"."kind" in ('fixed', 'percentage')),
	CONSTRAINT "coupons_value_check" CHECK (("coupons"."kind" = 'fixed' and "coupons"."amount_off" > 0) or ("coupons"."kind" = 'percentage' and "coupons"."percent_off" between 1 and 100)),
	CONSTRAINT "coupons_usage_check" CHECK ("coupons"."redeemed" >= 0 and ("coupons"."usage_limit" is null or "coupons"."redeemed" <= "coupons"."usage_limit"))
);
--> statement-breakpoint
CREATE TABLE "growth_entries" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"customer_id" text NOT NULL,
	"amount" integer NOT NULL,
	"balance" integer NOT NULL,
	"source" text NOT NULL,
	"order_id" text,
	"refund_id" text,
	"reason" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "growth_entries_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "growth_entries_source_check" CHECK ("growth_entries"."source" in ('order_paid', 'order_refunded', 'grant', 'keep_reset')),
	CONSTRAINT "growth_entries_balance_check" CHECK ("growth_entries"."balance" >= 0)
);
--> statement-breakpoint
CREATE TABLE "member_accounts" (
	"tenant_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"growth_value" integer DEFAULT 0 NOT NULL,
	"tier_id" text,
	"tier_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_accounts_tenant_id_customer_id_pk" PRIMARY KEY("tenant_id","customer_id"),
	CONSTRAINT "member_accounts_growth_check" CHECK ("member_accounts"."growth_value" >= 0)
);
--> statement-breakpoint
CREATE TABLE "member_prices" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"variant_id" text NOT NULL,
	"tier_id" text,
	"audience" text NOT NULL,
	"price" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_prices_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "member_prices_price_check" CHECK ("member_prices"."price" >= 0)
);
--> statement-breakpoint
CREATE TABLE "member_tiers" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"growth_threshold" integer NOT NULL,
	"keep_threshold" integer DEFAULT 0 NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_tiers_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "member_tiers_threshold_check" CHECK ("member_tiers"."growth_threshold" >= 0 and "member_tiers"."keep_threshold" >= 0)
);
--> statement-breakpoint
CREATE TABLE "membership_payments" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"membership_id" text NOT NULL,
	"provider" text NOT NULL,
	"reference" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "membership_payments_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "membership_payments_amount_check" CHECK ("membership_payments"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "membership_plans" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"price" bigint NOT NULL,
	"currency" text NOT NULL,
	"duration_days" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "membership_plans_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "membership_plans_check" CHECK ("membership_plans"."price" > 0 and "membership_plans"."duration_days" > 0)
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"customer_id" text NOT NULL,
	"plan_id" text NOT NULL,
	"status" text NOT NULL,
	"currency" text NOT NULL,
	"amount_due" bigint NOT NULL,
	"amount_paid" bigint DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"expired_at" timestamp with time zone,
	"canceled_at" timestamp with time zone,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "memberships_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "memberships_status_check" CHECK ("memberships"."status" in ('pending', 'active', 'expired', 'canceled')),
	CONSTRAINT "memberships_money_check" CHECK ("memberships"."amount_due" >= 0 and "memberships"."amount_paid" >= 0)
);
--> statement-breakpoint
CREATE TABLE "member_tier_changes" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"customer_id" text NOT NULL,
	"from_tier_id" text,
	"to_tier_id" text,
	"reason" text NOT NULL,
	"growth_value" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "member_tier_changes_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "carts" ADD COLUMN "coupon_code" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "coupon_code" text;--> statement-breakpoint
ALTER TABLE "coupon_codes" ADD CONSTRAINT "coupon_codes_tenant_id_coupon_id_coupons_tenant_id_id_fk" FOREIGN KEY ("tenant_id","coupon_id") REFERENCES "public"."coupons"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coupon_customer_uses" ADD CONSTRAINT "coupon_customer_uses_tenant_id_coupon_id_coupons_tenant_id_id_fk" FOREIGN KEY ("tenant_id","coupon_id") REFERENCES "public"."coupons"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coupon_redemptions" ADD CONSTRAINT "coupon_redemptions_tenant_id_coupon_id_coupons_tenant_id_id_fk" FOREIGN KEY ("tenant_id","coupon_id") REFERENCES "public"."coupons"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "growth_entries" ADD CONSTRAINT "growth_entries_tenant_id_customer_id_customers_tenant_id_id_fk" FOREIGN KEY ("tenant_id","customer_id") REFERENCES "public"."customers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_accounts" ADD CONSTRAINT "member_accounts_tenant_id_customer_id_customers_tenant_id_id_fk" FOREIGN KEY ("tenant_id","customer_id") REFERENCES "public"."customers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_accounts" ADD CONSTRAINT "member_accounts_tenant_id_tier_id_member_tiers_tenant_id_id_fk" FOREIGN KEY ("tenant_id","tier_id") REFERENCES "public"."member_tiers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_prices" ADD CONSTRAINT "member_prices_tenant_id_variant_id_variants_tenant_id_id_fk" FOREIGN KEY ("tenant_id","variant_id") REFERENCES "public"."variants"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_prices" ADD CONSTRAINT "member_prices_tenant_id_tier_id_member_tiers_tenant_id_id_fk" FOREIGN KEY ("tenant_id","tier_id") REFERENCES "public"."member_tiers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "membership_payments" ADD CONSTRAINT "membership_payments_tenant_id_membership_id_memberships_tenant_id_id_fk" FOREIGN KEY ("tenant_id","membership_id") REFERENCES "public"."memberships"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_tenant_id_customer_id_customers_tenant_id_id_fk" FOREIGN KEY ("tenant_id","customer_id") REFERENCES "public"."customers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_tenant_id_plan_id_membership_plans_tenant_id_id_fk" FOREIGN KEY ("tenant_id","plan_id") REFERENCES "public"."membership_plans"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_tier_changes" ADD CONSTRAINT "member_tier_changes_tenant_id_customer_id_customers_tenant_id_id_fk" FOREIGN KEY ("tenant_id","customer_id") REFERENCES "public"."customers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "coupon_codes_coupon_idx" ON "coupon_codes" USING btree ("tenant_id","coupon_id","code");--> statement-breakpoint
CREATE UNIQUE INDEX "coupon_redemptions_order_key" ON "coupon_redemptions" USING btree ("tenant_id","order_id");--> statement-breakpoint
CREATE INDEX "coupon_redemptions_coupon_idx" ON "coupon_redemptions" USING btree ("tenant_id","coupon_id","id");--> statement-breakpoint
CREATE INDEX "growth_entries_customer_idx" ON "growth_entries" USING btree ("tenant_id","customer_id","id");--> statement-breakpoint
CREATE INDEX "growth_entries_order_idx" ON "growth_entries" USING btree ("tenant_id","order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "growth_entries_paid_key" ON "growth_entries" USING btree ("tenant_id","order_id") WHERE source = 'order_paid';--> statement-breakpoint
CREATE UNIQUE INDEX "growth_entries_refund_key" ON "growth_entries" USING btree ("tenant_id","refund_id") WHERE source = 'order_refunded';--> statement-breakpoint
CREATE UNIQUE INDEX "member_prices_audience_key" ON "member_prices" USING btree ("tenant_id","variant_id","audience");--> statement-breakpoint
CREATE UNIQUE INDEX "member_tiers_threshold_key" ON "member_tiers" USING btree ("tenant_id","growth_threshold");--> statement-breakpoint
CREATE UNIQUE INDEX "membership_payments_reference_key" ON "membership_payments" USING btree ("tenant_id","provider","reference");--> statement-breakpoint
CREATE UNIQUE INDEX "memberships_open_key" ON "memberships" USING btree ("tenant_id","customer_id") WHERE status in ('pending', 'active');--> statement-breakpoint
CREATE INDEX "member_tier_changes_customer_idx" ON "member_tier_changes" USING btree ("tenant_id","customer_id","id");