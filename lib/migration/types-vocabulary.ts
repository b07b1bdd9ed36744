/** The migration's closed vocabularies: notification types, strategies, phases, roles, route formats. */

/** The three identity notification types (SES v1 `NotificationType`). */
export const NOTIFICATION_TYPES = ['Bounce', 'Complaint', 'Delivery'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** The SESv2 event type that carries the same feedback as each notification type. */
export const EVENT_TYPE_OF = { Bounce: 'BOUNCE', Complaint: 'COMPLAINT', Delivery: 'DELIVERY' } as const;
export type SesV2EventType = (typeof EVENT_TYPE_OF)[NotificationType];

/** The normalized event type (routes file `when.types`) of each notification type. */
export const ROUTE_TYPE_OF = { Bounce: 'bounce', Complaint: 'complaint', Delivery: 'delivery' } as const;

/** How a delegate's feedback reaches it after the migration (docs/migration-runbook.md, "Choosing a strategy"). */
export const Strategy = { configSet: 'config-set', ownerTopic: 'owner-topic', bridge: 'bridge' } as const;
export type Strategy = (typeof Strategy)[keyof typeof Strategy];
/** Every strategy, for validation and help texts. */
export const STRATEGIES: readonly Strategy[] = Object.values(Strategy);

/**
 * When a step runs. `prepare` adds the new path beside the legacy one, `switch` turns it on, `cutover` (bridge only)
 * turns the delegates' shadow routes live once parity passed, `cleanup` removes the legacy cross-account settings:
 * last, and only once `verify` has passed for the steps before it.
 */
export const Phase = { prepare: 'prepare', switch: 'switch', cutover: 'cutover', cleanup: 'cleanup' } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];
/** The phases in the order they run. */
export const PHASES: readonly Phase[] = Object.values(Phase);

/** Who runs a step: the identity owner, a delegate sender, or whoever operates the bridge. */
export const Role = { owner: 'owner', delegate: 'delegate', bridge: 'bridge' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Payload formats a bridge route can deliver (the routes file's `to.format`). */
export const ROUTE_FORMATS = ['original', 'notification', 'event', 'normalized'] as const;
export type RouteFormat = (typeof ROUTE_FORMATS)[number];
