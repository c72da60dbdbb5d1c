export { AsesModule } from './ases.module';
export type { AsesModuleExtras } from './ases.module-definition';
export type { AsesRoutesOptions } from './core/ases-routes';
export { ASES_EVENT_EMITTER } from './core/ases.tokens';
export { AsesService } from './ases.service';
export { AsesHealthIndicator } from './health/ases.health-indicator';
export type {
  AsesAwsCredentials,
  AsesGuardOptions,
  AsesMetricsOptions,
  AsesModuleOptions,
  AsesQueueOptions,
  AsesRedisNode,
  AsesStatusDetail,
  AsesUnsubscribeOptions,
  AsesWebhookEndpointOptions,
  AsesWebhookOptions,
  SnsEndpointOptions,
  TransientBounceRule,
} from './core/ases-options';
export { ASES_EVENTS } from './core/ases-events';
export type {
  AsesMessageEvent,
  AsesReputationEvent,
  AsesStaleEvent,
  SuppressionEvent,
} from './core/ases-events';
export { AsesErrorCode, AsesException } from './core/ases.exception';
export { ASES_OPTIONS } from './core/ases.tokens';
export { AsesMetrics } from './metrics/ases-metrics';
export { WebhooksService } from './webhooks/webhooks.service';
export type { WebhookInput, WebhookWithSecret } from './webhooks/webhooks.service';
export { WEBHOOK_EVENT_TYPES } from './webhooks/webhook-events';
export type { WebhookEventType } from './webhooks/webhook-events';
export type { MessageEventData, WebhookBody } from './webhooks/webhook-payload';
export type { WebhookAttempt, WebhookView } from './webhooks/stored-webhook';
export { SendMessageDto, TrackOptionsDto, recipientsOf } from './mailer/dto/send-message.dto';
export { AttachmentDto } from './mailer/dto/attachment.dto';
export { TemplateRefDto } from './mailer/dto/template-ref.dto';
export type { BatchItemResult, SendmailResult, SkippedRecipient } from './mailer/mailer.service';
export { TemplateService } from './templates/template.service';
export type {
  PutTemplateResult,
  StoredTemplate,
  TemplatePage,
  TemplateSummary,
} from './templates/stored-template';
export { renderTemplate } from './templates/template-render';
export { TEMPLATE_NAME } from './templates/template-name';
export type {
  BounceInfo,
  ClickCounter,
  ComplaintInfo,
  DelayInfo,
  HitClass,
  HitDetails,
  LinkClicks,
  MessageRecord,
  RecipientState,
  SendErrorInfo,
  TimelineEvent,
  TrackingCounter,
  TrackingSource,
  TrackSettings,
} from './status/message-record';
export { classifyHit } from './tracking/hit-classifier';
export type { Hit, HitClassification } from './tracking/hit-classifier';
export type {
  NewSuppression,
  SuppressionEntry,
  SuppressionPage,
  SuppressionSource,
} from './suppression/suppression-entry';
export type { FeedbackSourceStats } from './feedback/feedback-stats.repository';
export type { FailedPage } from './status/status.repository';
export type { MessageQuery, SearchPage } from './status/message-query';
export type { StaleCounts, StaleInfo, StaleMessage, StaleReason } from './status/stale-rules';
export { MessageStatus } from './status/message-status';
export type { StatsCounts, StatsPoint, StatsResponse } from './stats/stats-response';
export { ReputationService } from './reputation/reputation.service';
export type { ReputationView } from './reputation/reputation-view';
export type {
  Figures as ReputationFigures,
  GuardThresholds,
  ReputationState,
  ResumedBy,
} from './reputation/reputation-rules';
export { setupOpenApi } from './openapi';
// The emulators are loaded inside startLocalStack only: importing ases needs none of them.
export { startLocalStack } from './local/local-stack';
export type { LocalStack, LocalStackAsesOptions, LocalStackOptions } from './local/local-stack';
export { LocalStackPackageMissingError } from './local/optional-packages';
export { serveTrackingFirst } from './tracking/serve-tracking-first';
