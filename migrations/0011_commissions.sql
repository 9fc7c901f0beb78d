CREATE TABLE "commission_adjustments" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"commission_id" text NOT NULL,
	"promoter_id" text NOT NULL,
	"order_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"settlement_id" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "commission_adjustments_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "commission_adjustments_amount_check" CHECK ("commission_adjustments"."amount" <> 0)
);
--> statement-breakpoint
CREATE TABLE "commission_rules" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text,
	"type" text NOT NULL,
	"rate_bps" integer,
	"amount" bigint,
	"product_id" text,
	"category_id" text,
	"supplier_id" text,
	"store_id" text,
	"promoter_kind" text,
	"min_promoter_level" integer,
	"priority" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "commission_rules_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "commission_rules_type_check" CHECK ("commission_rules"."type" in ('percentage', 'fixed', 'margin')),
	CONSTRAINT "commission_rules_value_check" CHECK (("commission_rules"."type" = 'percentage' and "commission_rules"."rate_bps" between 0 and 10000 and "commission_rules"."amount" is null)
        or ("commission_rules"."type" = 'fixed' and "commission_rules"."amount" >= 0 and "commission_rules"."rate_bps" is null)
        or ("commission_rules"."type" = 'margin' and "commission_rules"."amount" is null and "commission_rules"."rate_bps" is null))
);
--> statement-breakpoint
CREATE TABLE "commissions" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"order_id" text NOT NULL,
	"order_line_id" text NOT NULL,
	"promoter_id" text NOT NULL,
	"store_id" text NOT NULL,
	"rule_id" text,
	"rule_type" text,
	"status" text NOT NULL,
	"currency" text NOT NULL,
	"line_amount" bigint NOT NULL,
	"net_amount" bigint NOT NULL,
	"estimated_amount" bigint NOT NULL,
	"amount" bigint NOT NULL,
	"adjusted_amount" bigint DEFAULT 0 NOT NULL,
	"settlement_id" text,
	"order_paid_at" timestamp with time zone NOT NULL,
	"confirm_after" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"settled_at" timestamp with time zone,
	"reversed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "commissions_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "commissions_status_check" CHECK ("commissions"."status" in ('pending', 'confirmed', 'settled', 'reversed')),
	CONSTRAINT "commissions_money_check" CHECK ("commissions"."line_amount" >= 0 and "commissions"."net_amount" between 0 and "commissions"."line_amount"
        and "commissions"."amount" between 0 and "commissions"."estimated_amount" and "commissions"."estimated_amount" <= "commissions"."line_amount"),
	CONSTRAINT "commissions_settled_check" CHECK (("commissions"."status" = 'settled') = ("commissions"."settlement_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "promoter_levels" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"level" integer NOT NULL,
	"name" text NOT NULL,
	"upgrade_threshold" bigint NOT NULL,
	"keep_threshold" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "promoter_levels_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "promoter_levels_threshold_check" CHECK ("promoter_levels"."level" >= 1 and "promoter_levels"."keep_threshold" >= 0 and "promoter_levels"."keep_threshold" <= "promoter_levels"."upgrade_threshold")
);
--> statement-breakpoint
CREATE TABLE "settlement_lines" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"settlement_id" text NOT NULL,
	"promoter_id" text NOT NULL,
	"currency" text NOT NULL,
	"commission_count" integer NOT NULL,
	"commission_total" bigint NOT NULL,
	"adjustment_count" integer NOT NULL,
	"adjustment_total" bigint NOT NULL,
	"amount" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "settlement_lines_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "settlement_lines_money_check" CHECK ("settlement_lines"."amount" >= 0 and "settlement_lines"."amount" = "settlement_lines"."commission_total" + "settlement_lines"."adjustment_total")
);
--> statement-breakpoint
CREATE TABLE "settlements" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"status" text NOT NULL,
	"currency" text NOT NULL,
	"period_start" timestamp with time zone,
	"period_end" timestamp with time zone NOT NULL,
	"commission_total" bigint NOT NULL,
	"adjustment_total" bigint NOT NULL,
	"total" bigint NOT NULL,
	"line_count" integer NOT NULL,
	"commission_count" integer NOT NULL,
	"adjustment_count" integer NOT NULL,
	"min_payout" bigint NOT NULL,
	"carried_over" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reference" text,
	"paid_at" timestamp with time zone,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "settlements_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "settlements_status_check" CHECK ("settlements"."status" in ('pending', 'paid')),
	CONSTRAINT "settlements_money_check" CHECK ("settlements"."total" >= 0 and "settlements"."total" = "settlements"."commission_total" + "settlements"."adjustment_total")
);
--> statement-breakpoint
ALTER TABLE "commission_adjustments" ADD CONSTRAINT "commission_adjustments_tenant_id_commission_id_commissions_tenant_id_id_fk" FOREIGN KEY ("tenant_id","commission_id") REFERENCES "public"."commissions"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commission_adjustments" ADD CONSTRAINT "commission_adjustments_tenant_id_promoter_id_promoters_tenant_id_id_fk" FOREIGN KEY ("tenant_id","promoter_id") REFERENCES "public"."promoters"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commission_adjustments" ADD CONSTRAINT "commission_adjustments_tenant_id_settlement_id_settlements_tenant_id_id_fk" FOREIGN KEY ("tenant_id","settlement_id") REFERENCES "public"."settlements"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commissions" ADD CONSTRAINT "commissions_tenant_id_order_id_orders_tenant_id_id_fk" FOREIGN KEY ("tenant_id","order_id") REFERENCES "public"."orders"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commissions" ADD CONSTRAINT "commissions_tenant_id_order_line_id_order_lines_tenant_id_id_fk" FOREIGN KEY ("tenant_id","order_line_id") REFERENCES "public"."order_lines"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commissions" ADD CONSTRAINT "commissions_tenant_id_promoter_id_promoters_tenant_id_id_fk" FOREIGN KEY ("tenant_id","promoter_id") REFERENCES "public"."promoters"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commissions" ADD CONSTRAINT "commissions_tenant_id_settlement_id_settlements_tenant_id_id_fk" FOREIGN KEY ("tenant_id","settlement_id") REFERENCES "public"."settlements"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_lines" ADD CONSTRAINT "settlement_lines_tenant_id_settlement_id_settlements_tenant_id_id_fk" FOREIGN KEY ("tenant_id","settlement_id") REFERENCES "public"."settlements"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_lines" ADD CONSTRAINT "settlement_lines_tenant_id_promoter_id_promoters_tenant_id_id_fk" FOREIGN KEY ("tenant_id","promoter_id") REFERENCES "public"."promoters"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "commission_adjustments_commission_idx" ON "commission_adjustments" USING btree ("tenant_id","commission_id");--> statement-breakpoint
CREATE INDEX "commission_adjustments_open_idx" ON "commission_adjustments" USING btree ("tenant_id","promoter_id") WHERE "commission_adjustments"."settlement_id" is null;--> statement-breakpoint
CREATE INDEX "commission_rules_active_idx" ON "commission_rules" USING btree ("tenant_id","active");--> statement-breakpoint
CREATE UNIQUE INDEX "commissions_order_line_key" ON "commissions" USING btree ("tenant_id","order_line_id");--> statement-breakpoint
CREATE INDEX "commissions_order_idx" ON "commissions" USING btree ("tenant_id","order_id");--> statement-breakpoint
CREATE INDEX "commissions_promoter_idx" ON "commissions" USING btree ("tenant_id","promoter_id","id");--> statement-breakpoint
CREATE INDEX "commissions_status_idx" ON "commissions" USING btree ("tenant_id","status","id");--> statement-breakpoint
CREATE INDEX "commissions_paid_idx" ON "commissions" USING btree ("tenant_id","order_paid_at");--> statement-breakpoint
CREATE INDEX "commissions_settlement_idx" ON "commissions" USING btree ("tenant_id","settlement_id");--> statement-breakpoint
CREATE UNIQUE INDEX "promoter_levels_level_key" ON "promoter_levels" USING btree ("tenant_id","level");--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_lines_promoter_key" ON "settlement_lines" USING btree ("tenant_id","settlement_id","promoter_id");--> statement-breakpoint
CREATE INDEX "settlement_lines_promoter_idx" ON "settlement_lines" USING btree ("tenant_id","promoter_id","id");