import type {
  MessageRecord,
  Reputation,
  ReputationFigures,
  SendingState,
  StatsCounts,
  SuppressionEntry,
  WebhookEndpoint,
} from './api-types';
import { formatDuration } from './duration';
import type { WatchUpdate } from './message-watch';
import { Cell, formatFields, formatTable, percent, plain } from './output';

/** `ases status`: the summary block, the recipients (when several) and the timeline. */
export function messageView(record: MessageRecord): string {
  const bounce = record.bounce
    ? [
        record.bounce.type,
        record.bounce.subType,
        record.bounce.status,
        record.bounce.diagnosticCode,
      ]
        .filter(Boolean)
        .join(' / ')
    : undefined;
  const complaint = record.complaint
    ? [record.complaint.feedbackType, record.complaint.subType].filter(Boolean).join(' / ') || 'yes'
    : undefined;
  const tags = record.tags
    ? Object.entries(record.tags)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')
    : undefined;
  const parts = [
    formatFields([
      ['ID', record.id],
      ['Status', record.status],
      ['From', record.from],
      ['To', record.to],
      ['Cc', record.cc],
      ['Bcc', record.bcc],
      ['Subject', record.subject],
      ['Category', record.category],
      ['Tags', tags],
      ['SES id', record.sesMessageId],
      ['Scheduled for', record.scheduledFor],
      ['Queued', record.queuedAt],
      ['Pushed', record.pushedAt],
      ['Delayed', record.delayedAt],
      ['Delivered', record.deliveredAt],
      ['Bounced', record.bouncedAt],
      ['Bounce', bounce],
      ['Complained', record.complainedAt],
      ['Complaint', complaint],
      ['Failed', record.failedAt],
      ['Suppressed', record.suppressedAt],
      ['Canceled', record.canceledAt],
      ['Error', record.error ? `${record.error.code}: ${record.error.message}` : undefined],
      ['Attempts', record.attempts],
      ['Opens', counter(record.opens)],
      ['Clicks', counter(record.clicks)],
    ]),
  ];
  if ((record.recipients?.length ?? 0) > 1) {
    parts.push(
      'Recipients\n' +
        formatTable(
          [{ header: 'ADDRESS' }, { header: 'KIND' }, { header: 'STATUS' }, { header: 'AT' }],
          (record.recipients ?? []).map((each) => [each.address, each.kind, each.status, each.at]),
        ),
    );
  }
  if (record.events?.length) {
    parts.push(
      'Timeline\n' +
        formatTable(
          [
            { header: 'AT' },
            { header: 'EVENT' },
            { header: 'RECIPIENT' },
            { header: 'DETAIL', maxWidth: 80 },
          ],
          record.events.map((event) => [event.at, event.type, event.recipient, event.detail]),
        ),
    );
  }
  return parts.join('\n\n');
}

/** One line of `ases watch` (human). */
export function watchLine(update: WatchUpdate): string {
  if (update.kind === 'status') {
    return update.previous === undefined
      ? `status ${update.status}`
      : `status ${update.status} (was ${update.previous})`;
  }
  const { at, type, recipient, detail } = update.event;
  return [at, type, recipient, detail].map(plain).filter(Boolean).join('  ');
}

/** A page of messages (`ases messages`). */
export function messagesView(messages: MessageRecord[]): string {
  return formatTable(
    [
      { header: 'ID' },
      { header: 'STATUS' },
      { header: 'QUEUED' },
      { header: 'TO', maxWidth: 40 },
      { header: 'SUBJECT', maxWidth: 50 },
    ],
    messages.map((each) => [each.id, each.status, each.queuedAt, each.to, each.subject]),
  );
}

/** The suppression list (`ases suppressions list`). */
export function suppressionsView(entries: SuppressionEntry[]): string {
  return formatTable(
    [
      { header: 'EMAIL' },
      { header: 'SOURCE' },
      { header: 'CATEGORY' },
      { header: 'SINCE' },
      { header: 'REASON', maxWidth: 70 },
    ],
    entries.map((each) => [each.email, each.source, each.category, each.since, each.reason]),
  );
}

/** One address's entry and unsubscribes (`ases suppressions show`). */
export function suppressionView(entry: SuppressionEntry): string {
  const parts = [
    formatFields([
      ['Email', entry.email],
      ['Source', entry.source],
      ['Category', entry.category],
      ['Since', entry.since],
      ['Reason', entry.reason],
      ['Message', entry.messageId],
    ]),
  ];
  if (entry.unsubscribes?.length) {
    parts.push(
      'Unsubscribed from\n' +
        formatTable(
          [{ header: 'CATEGORY' }, { header: 'SINCE' }, { header: 'REASON', maxWidth: 70 }],
          entry.unsubscribes.map((each) => [each.category, each.since, each.reason]),
        ),
    );
  }
  return parts.join('\n\n');
}

/** The webhook endpoints (`ases webhooks list`). */
export function webhooksView(endpoints: WebhookEndpoint[]): string {
  return formatTable(
    [
      { header: 'ID' },
      { header: 'ENABLED' },
      { header: 'EVENTS', maxWidth: 50 },
      { header: 'URL', maxWidth: 60 },
      { header: 'DESCRIPTION', maxWidth: 40 },
    ],
    endpoints.map((each) => [
      each.id,
      each.enabled ? 'yes' : `no (${each.disabledReason ?? 'disabled'})`,
      each.events?.join(',') ?? 'all',
      each.url,
      each.description,
    ]),
  );
}

/** A new endpoint, with its secret set apart: it is shown this once. */
export function newWebhookView(endpoint: WebhookEndpoint): string {
  return [
    formatFields([
      ['ID', endpoint.id],
      ['URL', endpoint.url],
      ['Events', endpoint.events?.join(',') ?? 'all'],
      ['Description', endpoint.description],
    ]),
    '',
    `Secret: ${plain(endpoint.secret)}`,
    'Keep it now: ases shows it this once (verify deliveries with it; rotate it to get a new one).',
  ].join('\n');
}

/** `ases stats`: the fleet's sending state. */
export function sendingView(state: SendingState): string {
  return formatFields([
    ['Send rate ceiling', state.ceiling === null ? 'not known yet' : `${state.ceiling}/s`],
    ['Send rate now', state.rate === null ? 'not known yet' : `${state.rate}/s`],
    [
      'Paused',
      state.paused
        ? `yes: ${state.paused.reason} (${formatDuration(state.paused.leftMs)} left)`
        : 'no',
    ],
    ['Stale, queued', state.stale?.queued],
    ['Stale, pushed', state.stale?.pushed],
  ]);
}

/** `ases reputation`: the state, the thresholds, the windows and the categories. */
export function reputationView(reputation: Reputation): string {
  const figureColumns = [
    { header: 'SENT' },
    { header: 'DELIVERED' },
    { header: 'BOUNCED' },
    { header: 'COMPLAINED' },
    { header: 'BOUNCE RATE' },
    { header: 'COMPLAINT RATE' },
  ];
  const cells = (figures: ReputationFigures) => [
    figures.sent,
    figures.delivered,
    figures.bounced,
    figures.complained,
    percent(figures.bounceRate),
    percent(figures.complaintRate),
  ];
  const state = reputation.reason
    ? `${plain(reputation.state)}: ${plain(reputation.reason)}`
    : plain(reputation.state);
  const fields: Array<[string, Cell]> = [
    ['State', state],
    ['Since', reputation.since],
  ];
  const limits = reputation.thresholds;
  if (limits) {
    fields.push(
      [
        'Warning at',
        `${percent(limits.warning.bounceRate)} bounces, ${percent(limits.warning.complaintRate)} complaints`,
      ],
      [
        'Pauses at',
        `${percent(limits.guard.bounceRate)} bounces, ${percent(limits.guard.complaintRate)} ` +
          'complaints (all but transactional mail)',
      ],
      ['Minimum volume', `${limits.minVolume} delivered + bounced in the window`],
    );
  }
  const parts = [
    formatFields(fields),
    formatTable(
      [{ header: 'WINDOW' }, ...figureColumns],
      Object.entries(reputation.windows ?? {}).map(([name, figures]) => [name, ...cells(figures)]),
    ),
  ];
  const rows = Object.entries(reputation.categories ?? {}).flatMap(([category, windows]) =>
    Object.entries(windows).map(([window, figures]) => [category, window, ...cells(figures)]),
  );
  if (rows.length > 0) {
    parts.push(formatTable([{ header: 'CATEGORY' }, { header: 'WINDOW' }, ...figureColumns], rows));
  }
  return parts.join('\n\n');
}

/** `ases stats`: the sending state, then what happened over the last hour and the last day. */
export function statsView(view: {
  sending: SendingState;
  ranges: Array<{ name: string; counts: StatsCounts }>;
}): string {
  const columns = [
    'SENT',
    'DELIVERED',
    'BOUNCED',
    'COMPLAINED',
    'OPENED',
    'CLICKED',
    'FAILED',
    'SUPPRESSED',
  ].map((header) => ({ header }));
  const table = formatTable(
    [{ header: 'LAST' }, ...columns],
    view.ranges.map(({ name, counts }) => [
      name,
      counts.sent,
      counts.delivered,
      counts.bounced,
      counts.complained,
      `${counts.opened} (${counts.openedHuman} human)`,
      `${counts.clicked} (${counts.clickedHuman} human)`,
      counts.failed,
      counts.suppressed,
    ]),
  );
  return `${sendingView(view.sending)}\n\n${table}`;
}

function counter(value: { count: number; humanCount: number } | undefined): string | undefined {
  return value ? `${value.count} (${value.humanCount} by people)` : undefined;
}
