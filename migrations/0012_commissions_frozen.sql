-- Nothing settled is ever edited (DESIGN.md §3): once a commission is settled its status,
-- amounts and settlement are frozen (later refunds add commission_adjustments rows instead), and
-- an adjustment's amount and commission never change, nor its settlement once netted. The
-- service never tries; this is the database's last line. 23514 = check_violation.
CREATE OR REPLACE FUNCTION mujiang_commissions_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'settled' AND (
    NEW.status IS DISTINCT FROM OLD.status
    OR NEW.amount IS DISTINCT FROM OLD.amount
    OR NEW.estimated_amount IS DISTINCT FROM OLD.estimated_amount
    OR NEW.line_amount IS DISTINCT FROM OLD.line_amount
    OR NEW.promoter_id IS DISTINCT FROM OLD.promoter_id
    OR NEW.settlement_id IS DISTINCT FROM OLD.settlement_id
    OR NEW.settled_at IS DISTINCT FROM OLD.settled_at
  ) THEN
    RAISE EXCEPTION 'commission % is settled and cannot change', OLD.id USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER commissions_frozen BEFORE UPDATE ON commissions
  FOR EACH ROW EXECUTE FUNCTION mujiang_commissions_frozen();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION mujiang_commission_adjustments_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.amount IS DISTINCT FROM OLD.amount
    OR NEW.commission_id IS DISTINCT FROM OLD.commission_id
    OR NEW.promoter_id IS DISTINCT FROM OLD.promoter_id
    OR (OLD.settlement_id IS NOT NULL AND NEW.settlement_id IS DISTINCT FROM OLD.settlement_id) THEN
    RAISE EXCEPTION 'commission adjustment % cannot change', OLD.id USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER commission_adjustments_frozen BEFORE UPDATE ON commission_adjustments
  FOR EACH ROW EXECUTE FUNCTION mujiang_commission_adjustments_frozen();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION mujiang_settlement_lines_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'settlement line % is never changed or deleted', OLD.id USING ERRCODE = '23514';
END $$;
--> statement-breakpoint
CREATE TRIGGER settlement_lines_kept BEFORE UPDATE OR DELETE ON settlement_lines
  FOR EACH ROW EXECUTE FUNCTION mujiang_settlement_lines_kept();
