// Every table of every module, for drizzle (queries) and drizzle-kit (migrations).
export * from '../modules/api-keys/tables';
export * from '../modules/bindings/tables';
export * from '../modules/catalog/tables';
export * from '../modules/customers/tables';
export * from '../modules/events/tables';
export * from '../modules/flash-sales/tables';
export * from '../modules/idempotency/tables';
export * from '../modules/inventory/tables';
export * from '../modules/jobs/tables';
export * from '../modules/members/tables';
export * from '../modules/orders/tables';
export * from '../modules/promoters/tables';
export * from '../modules/stores/tables';
export * from '../modules/suppliers/tables';
export * from '../modules/tenants/tables';
export * from '../modules/webhooks/tables';
