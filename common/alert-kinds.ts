/** The lists alerts are made of, without TypeBox, so the dashboard's bundle can use them. */

/** What a subscription may be told about. */
export const ALERT_KINDS = [
  'regression',
  'issue_new',
  'issue_gone',
  'boot_fixed',
  'size_over',
  'build_broken',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Where alerts go: mail over SMTP, or an HTTP POST with a generic, Slack or Matrix body. */
export const ALERT_CHANNELS = ['email', 'webhook', 'slack', 'matrix'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
