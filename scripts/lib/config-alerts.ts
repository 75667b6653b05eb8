// The settings of the alert rules and of Alertmanager's routing and receivers: their one definition, which
// config.ts spreads into SETTINGS (so they are validated, typed and listed in env.example like every
// other), and their typed form. Kept apart only to keep config.ts readable; this file imports nothing.

const threshold = (fallback: string, description: string) => ({ kind: "threshold", group: "Alerts", default: fallback, description }) as const;
const duration = (fallback: string, description: string) => ({ kind: "promDuration", group: "Alerts", default: fallback, description }) as const;
const routing = (fallback: string, description: string) => ({ kind: "promDuration", group: "Alertmanager", default: fallback, description }) as const;

export const ALERT_SETTINGS = {
  ALERT_RUNBOOK_BASE_URL: {
    kind: "url",
    group: "Alerts",
    description:
      "Where this repository's docs/runbooks/ can be browsed (a Git forge's URL of the folder): each alert's runbook_url is this joined with the runbook's file and section; unset, the runbook_url is the path docs/runbooks/... in this repository",
  },
  ALERT_FOR_MAX: {
    kind: "promDuration",
    group: "Alerts",
    description:
      "Caps every alert's `for` (how long its condition must hold before it fires), e.g. 10s for a demonstration or a test; unset, each alert keeps its own (docs/runbooks/alerts.md)",
  },
  ALERT_LINK_RECONNECTS_PER_10M: threshold("3", "The exchange WebSocket link is flapping when it reconnected more than this many times in 10 minutes"),
  ALERT_HEARTBEAT_MAX_AGE: duration("60s", "The exchange link's heartbeat is stale when older than this"),
  ALERT_QUEUE_MAX_MESSAGES: threshold("1000", "A queue lags (the spec's lag rule) when it holds more messages than this ..."),
  ALERT_QUEUE_MIN_CONSUME_SHARE: threshold("0.1", "... or when it is published to, has messages waiting and is consumed at less than this share of its publish rate"),
  ALERT_NO_SIGNALS_AFTER: duration("30m", "No trading signal for this long while every service is up fires an alert"),
  ALERT_ORDER_REJECTION_RATIO: threshold("0.2", "Share of the orders of the last MONITOR_DATABASE_WINDOW that were rejected above which an alert fires (0.2 = 20%)"),
  ALERT_ORDER_REJECTION_MIN_ORDERS: threshold("5", "The rejection ratio is judged only over at least this many orders"),
  ALERT_TRAINING_MAX_DURATION: duration("2h", "model-service training without a pause for longer than this is stuck"),

  ALERTMANAGER_GROUP_WAIT: routing("30s", "How long Alertmanager waits to gather alerts of a new group before notifying"),
  ALERTMANAGER_GROUP_INTERVAL: routing("5m", "How long before notifying about changes (new or resolved alerts) in a group already notified"),
  ALERTMANAGER_REPEAT_INTERVAL: routing("4h", "How long before repeating a notification of alerts still firing"),
  ALERTMANAGER_WEBHOOK_URL: {
    kind: "secret",
    group: "Alertmanager",
    description: "Webhook receiver (any HTTP endpoint taking Alertmanager's JSON); it may carry a token, so it is kept like a password (url_file)",
  },
  ALERTMANAGER_SLACK_WEBHOOK_URL: { kind: "secret", group: "Alertmanager", description: "Slack incoming-webhook URL (api_url_file)" },
  ALERTMANAGER_SLACK_CHANNEL: { kind: "text", group: "Alertmanager", description: "Slack channel, e.g. #trading-alerts (default: the webhook's own)" },
  ALERTMANAGER_EMAIL_TO: { kind: "text", group: "Alertmanager", description: "E-mail receiver: the address(es) alerts are sent to" },
  ALERTMANAGER_SMTP_SMARTHOST: { kind: "text", group: "Alertmanager", description: "SMTP server as host:port (needed with ALERTMANAGER_EMAIL_TO)" },
  ALERTMANAGER_SMTP_FROM: { kind: "text", group: "Alertmanager", description: "Sender address of alert e-mails (needed with ALERTMANAGER_EMAIL_TO)" },
  ALERTMANAGER_SMTP_USER: { kind: "text", group: "Alertmanager", description: "SMTP user, when the server wants one" },
  ALERTMANAGER_SMTP_PASSWORD: { kind: "secret", group: "Alertmanager", description: "SMTP password (auth_password_file)" },
} as const;

type AlertSettingName = keyof typeof ALERT_SETTINGS;

/** The thresholds the alert rules are rendered with. */
export interface AlertThresholds {
  runbookBaseUrl?: string;
  forMax?: string;
  linkReconnectsPer10m: number;
  heartbeatMaxAge: string;
  queueMaxMessages: number;
  queueMinConsumeShare: number;
  noSignalsAfter: string;
  orderRejectionRatio: number;
  orderRejectionMinOrders: number;
  trainingMaxDuration: string;
}

/** Alertmanager's timings and receivers; secrets as read, written only into files of mode 600. */
export interface AlertmanagerSettings {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  webhookUrl?: string;
  slack?: { webhookUrl: string; channel?: string };
  email?: { to: string; smarthost: string; from: string; user?: string; password?: string };
}

type Values = Partial<Record<AlertSettingName, string | number>>;

export function alertThresholds(v: Values): AlertThresholds {
  const text = (name: AlertSettingName) => (v[name] === undefined ? (ALERT_SETTINGS[name] as { default?: string }).default : String(v[name]));
  const num = (name: AlertSettingName) => Number(text(name));
  return {
    runbookBaseUrl: text("ALERT_RUNBOOK_BASE_URL"),
    forMax: text("ALERT_FOR_MAX"),
    linkReconnectsPer10m: num("ALERT_LINK_RECONNECTS_PER_10M"),
    heartbeatMaxAge: text("ALERT_HEARTBEAT_MAX_AGE")!,
    queueMaxMessages: num("ALERT_QUEUE_MAX_MESSAGES"),
    queueMinConsumeShare: num("ALERT_QUEUE_MIN_CONSUME_SHARE"),
    noSignalsAfter: text("ALERT_NO_SIGNALS_AFTER")!,
    orderRejectionRatio: num("ALERT_ORDER_REJECTION_RATIO"),
    orderRejectionMinOrders: num("ALERT_ORDER_REJECTION_MIN_ORDERS"),
    trainingMaxDuration: text("ALERT_TRAINING_MAX_DURATION")!,
  };
}

/** The thresholds every operator gets unless they set one: what the committed rule files are rendered with. */
export const DEFAULT_ALERT_THRESHOLDS = alertThresholds({});

export function alertmanagerSettings(v: Values): AlertmanagerSettings {
  const opt = (name: AlertSettingName) => (v[name] === undefined ? undefined : String(v[name]));
  const slackUrl = opt("ALERTMANAGER_SLACK_WEBHOOK_URL");
  const to = opt("ALERTMANAGER_EMAIL_TO");
  return {
    groupWait: opt("ALERTMANAGER_GROUP_WAIT") ?? ALERT_SETTINGS.ALERTMANAGER_GROUP_WAIT.default,
    groupInterval: opt("ALERTMANAGER_GROUP_INTERVAL") ?? ALERT_SETTINGS.ALERTMANAGER_GROUP_INTERVAL.default,
    repeatInterval: opt("ALERTMANAGER_REPEAT_INTERVAL") ?? ALERT_SETTINGS.ALERTMANAGER_REPEAT_INTERVAL.default,
    webhookUrl: opt("ALERTMANAGER_WEBHOOK_URL"),
    slack: slackUrl ? { webhookUrl: slackUrl, channel: opt("ALERTMANAGER_SLACK_CHANNEL") } : undefined,
    email: to
      ? { to, smarthost: opt("ALERTMANAGER_SMTP_SMARTHOST") ?? "", from: opt("ALERTMANAGER_SMTP_FROM") ?? "", user: opt("ALERTMANAGER_SMTP_USER"), password: opt("ALERTMANAGER_SMTP_PASSWORD") }
      : undefined,
  };
}

/** No receiver, the default timings: the committed alertmanager.yml's. */
export const DEFAULT_ALERTMANAGER_SETTINGS = alertmanagerSettings({});

/** Receiver settings that only mean something together. */
export function alertSettingProblems(v: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (v.ALERTMANAGER_EMAIL_TO) {
    for (const name of ["ALERTMANAGER_SMTP_SMARTHOST", "ALERTMANAGER_SMTP_FROM"]) {
      if (!v[name]) problems.push(`${name}: needed to send e-mail to ALERTMANAGER_EMAIL_TO`);
    }
  }
  if (v.ALERTMANAGER_SMTP_SMARTHOST && !/^[^\s:]+:\d+$/.test(v.ALERTMANAGER_SMTP_SMARTHOST)) problems.push(`ALERTMANAGER_SMTP_SMARTHOST: expected host:port, got ${JSON.stringify(v.ALERTMANAGER_SMTP_SMARTHOST)}`);
  if (v.ALERTMANAGER_SLACK_CHANNEL && !v.ALERTMANAGER_SLACK_WEBHOOK_URL) problems.push("ALERTMANAGER_SLACK_CHANNEL: set without ALERTMANAGER_SLACK_WEBHOOK_URL");
  if (v.ALERT_QUEUE_MIN_CONSUME_SHARE && Number(v.ALERT_QUEUE_MIN_CONSUME_SHARE) >= 1) problems.push("ALERT_QUEUE_MIN_CONSUME_SHARE: expected a share below 1 (0.1 = 10%)");
  if (v.ALERT_ORDER_REJECTION_RATIO && Number(v.ALERT_ORDER_REJECTION_RATIO) >= 1) problems.push("ALERT_ORDER_REJECTION_RATIO: expected a share below 1 (0.2 = 20%)");
  for (const name of ["ALERTMANAGER_WEBHOOK_URL", "ALERTMANAGER_SLACK_WEBHOOK_URL"]) {
    const url = v[name];
    if (url && !/^https?:\/\/\S+$/.test(url)) problems.push(`${name}: expected an http:// or https:// URL`);
  }
  return problems;
}
