// Alertmanager's configuration, defined once: routes by severity, grouping, the inhibitions that keep one
// fault from paging several times, and the receivers the settings name (a webhook, Slack, e-mail). Every
// secret (the webhook's URL, Slack's webhook URL, the SMTP password) is referenced by its `*_file` form:
// the rendering names files, the caller writes them (mode 600, outside the repository); no secret is ever
// in the configuration itself.
import type { AlertmanagerSettings } from "../scripts/lib/config-alerts.ts";
import { DEFAULT_ALERTMANAGER_SETTINGS } from "../scripts/lib/config-alerts.ts";

/** The receiver that notifies no one: the root route's, and every route's while no receiver is set. */
export const NULL_RECEIVER = "null";
/** Critical alerts go to every receiver set; warnings to the webhook and Slack only (no e-mail). */
export const RECEIVERS = { critical: "critical", warning: "warning" } as const;

/** Where the caller put each secret (files of mode 600 it wrote); only those of configured receivers. */
export interface ReceiverSecretFiles {
  webhookUrl?: string;
  slackWebhookUrl?: string;
  smtpPassword?: string;
}

/** Each secret's file name in a secrets directory, and the setting it holds: the local stack's directory
 *  and docker-compose's container (whose entrypoint writes them from its environment) both use them. */
export const SECRET_FILES = {
  webhookUrl: { file: "webhook-url", setting: "ALERTMANAGER_WEBHOOK_URL" },
  slackWebhookUrl: { file: "slack-webhook-url", setting: "ALERTMANAGER_SLACK_WEBHOOK_URL" },
  smtpPassword: { file: "smtp-password", setting: "ALERTMANAGER_SMTP_PASSWORD" },
} as const satisfies Record<keyof ReceiverSecretFiles, { file: string; setting: string }>;

/** Where docker-compose's Alertmanager container finds them (docker-compose.yml's entrypoint writes them). */
export const COMPOSE_SECRETS_DIR = "/tmp/alertmanager-secrets";

/** The secret values of the receivers set, by kind. */
export function receiverSecrets(settings: AlertmanagerSettings): ReceiverSecretFiles {
  return { webhookUrl: settings.webhookUrl, slackWebhookUrl: settings.slack?.webhookUrl, smtpPassword: settings.email?.password };
}

/** The files of the secrets set, in `dir` (joined with "/": a container's path as much as this machine's). */
export function secretFilesIn(dir: string, settings: AlertmanagerSettings): ReceiverSecretFiles {
  const values = receiverSecrets(settings);
  return Object.fromEntries(
    (Object.keys(SECRET_FILES) as (keyof ReceiverSecretFiles)[]).filter((name) => values[name]).map((name) => [name, `${dir}/${SECRET_FILES[name].file}`]),
  );
}

/** The settings that configure a receiver, as setup names them when none is set. */
export const RECEIVER_SETTINGS = ["ALERTMANAGER_WEBHOOK_URL", "ALERTMANAGER_SLACK_WEBHOOK_URL", "ALERTMANAGER_EMAIL_TO"] as const;

/** Which receivers the settings configure: what setup reports. */
export function configuredReceivers(settings: AlertmanagerSettings): string[] {
  return [settings.webhookUrl && "webhook", settings.slack && "Slack", settings.email && "e-mail"].filter((name): name is string => Boolean(name));
}

const SLACK_TEXT =
  '{{ range .Alerts }}*{{ .Annotations.summary }}*{{ if eq .Status "resolved" }} (resolved){{ end }}\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}';

function receiverConfigs(settings: AlertmanagerSettings, files: ReceiverSecretFiles, severity: keyof typeof RECEIVERS): Record<string, unknown> {
  const configs: Record<string, unknown> = {};
  if (settings.webhookUrl && files.webhookUrl) configs.webhook_configs = [{ url_file: files.webhookUrl, send_resolved: true }];
  if (settings.slack && files.slackWebhookUrl) {
    configs.slack_configs = [
      {
        api_url_file: files.slackWebhookUrl,
        ...(settings.slack.channel ? { channel: settings.slack.channel } : {}),
        send_resolved: true,
        title: '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}',
        text: SLACK_TEXT,
      },
    ];
  }
  const email = settings.email;
  if (email && severity === "critical") {
    configs.email_configs = [
      {
        to: email.to,
        from: email.from,
        smarthost: email.smarthost,
        ...(email.user ? { auth_username: email.user } : {}),
        ...(email.password && files.smtpPassword ? { auth_password_file: files.smtpPassword } : {}),
        send_resolved: true,
      },
    ];
  }
  return configs;
}

export function alertmanagerConfig(settings: AlertmanagerSettings = DEFAULT_ALERTMANAGER_SETTINGS, files: ReceiverSecretFiles = {}): Record<string, unknown> {
  return {
    route: {
      receiver: NULL_RECEIVER,
      group_by: ["alertname", "service"],
      group_wait: settings.groupWait,
      group_interval: settings.groupInterval,
      repeat_interval: settings.repeatInterval,
      routes: [
        { receiver: RECEIVERS.critical, matchers: ['severity="critical"'] },
        { receiver: RECEIVERS.warning, matchers: ['severity="warning"'] },
      ],
    },
    inhibit_rules: [
      // A critical alert of a service silences that service's warnings (ws-gateway unreachable: its link's).
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["service"] },
      // A service down or unhealthy silences the queue alerts of the queues it consumes (label service).
      { source_matchers: ['alertname=~"YtraderServiceUnreachable|YtraderServiceUnhealthy"'], target_matchers: ['alertname=~"YtraderQueue.+"'], equal: ["service"] },
      // The broker down: every queue alert is a consequence.
      { source_matchers: ['alertname="YtraderRabbitmqUnreachable"'], target_matchers: ['alertname=~"YtraderQueue.+"'] },
    ],
    receivers: [
      { name: NULL_RECEIVER },
      { name: RECEIVERS.critical, ...receiverConfigs(settings, files, "critical") },
      { name: RECEIVERS.warning, ...receiverConfigs(settings, files, "warning") },
    ],
  };
}
