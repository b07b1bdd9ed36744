/**
 * The migration off legacy cross-account notifications: the shapes every part shares (inventory files, plan files,
 * steps, journal entries, verify reports). The files are the contract between accounts: a delegate hands its
 * inventory to the owner, the owner hands the plan back, each account applies its own steps.
 */
export * from '#lib/migration/types-inventory';
export * from '#lib/migration/types-plan';
export * from '#lib/migration/types-report';
export * from '#lib/migration/types-vocabulary';
