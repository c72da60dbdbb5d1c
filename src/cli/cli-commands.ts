import { Command, InvalidArgumentError, Option } from 'commander';
import type { QueryParams } from './api-client';
import type { SuppressionEntry } from './api-types';
import { ApiError, ExitCode } from './cli-errors';
import type { CliSession } from './cli-session';
import {
  messageView,
  messagesView,
  newWebhookView,
  reputationView,
  statsView,
  suppressionView,
  suppressionsView,
  watchLine,
  webhooksView,
} from './cli-views';
import { formatDuration, parseDuration } from './duration';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
import { watchExitCode, watchMessage } from './message-watch';
import { toJson, toJsonLine } from './output';
import { buildSendBody, SendFlags } from './send-input';

/** The shortest `watch --interval`: a poll every 100 ms is already plenty for one message. */
export const MIN_WATCH_INTERVAL_MS = 100;

/** Adds every command to `program`; their actions run in `session`. */
export function addCommands(program: Command, session: CliSession): void {
  addSend(program, session);
  addStatus(program, session);
  addWatch(program, session);
  addMessages(program, session);
  addSuppressions(program, session);
  addWebhooks(program, session);
  addStats(program, session);
  addReputation(program, session);
}

function addSend(program: Command, session: CliSession): void {
  program
    .command('send')
    .description('send a mail (POST /v1/messages); prints its id and status')
    .option('--file <path>', 'a message as the API takes it (JSON); flags override its fields')
    .option('--from <mailbox>', 'sender: addr@example.com or "Name <addr@example.com>"')
    .option('--to <mailbox>', 'recipient (repeatable)', collect)
    .option('--cc <mailbox>', 'copy recipient (repeatable)', collect)
    .option('--bcc <mailbox>', 'blind copy recipient (repeatable)', collect)
    .option('--reply-to <mailbox>', 'Reply-To mailbox (repeatable)', collect)
    .option('--subject <text>', 'subject')
    .option('--text <text>', 'plain-text body')
    .option('--text-file <path>', 'plain-text body from a UTF-8 file')
    .option('--html <html>', 'HTML body')
    .option('--html-file <path>', 'HTML body from a UTF-8 file')
    .option(
      '--attach <path>',
      'attach a file (repeatable); its type comes from its extension',
      collect,
    )
    .option('--tag <name=value>', 'a tag kept with the status (repeatable)', collect)
    .option('--header <name=value>', 'a custom header field (repeatable)', collect)
    .option('--category <name>', 'category, for per-category unsubscribes (default transactional)')
    .option('--send-at <time>', 'send later: RFC 3339 with a zone, e.g. 2026-12-24T08:00:00Z')
    .option('--template <name>', 'a stored template instead of --subject/--html/--text')
    .option('--data <json|@file>', "the template's data: a JSON object, inline or @file")
    .option('--local-id <id>', 'your own id for the message (makes the send idempotent)')
    .action(async (flags: SendFlags, command: Command) => {
      const client = session.client(command);
      const answer = await client.send(await buildSendBody(flags, session.readFile));
      session.show(command, answer, (sent) =>
        [
          `${sent.id}  ${sent.status}`,
          ...(sent.scheduledFor ? [`scheduled for ${sent.scheduledFor}`] : []),
          ...(sent.skipped ?? []).map((each) => `skipped ${each.email} (suppressed)`),
        ].join('\n'),
      );
    });
}

function addStatus(program: Command, session: CliSession): void {
  program
    .command('status')
    .description("a message's record and timeline (GET /v1/messages/:id)")
    .argument('<id>', 'ases id (or SES message id)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const record = await session.client(command).message(id);
      session.show(command, record, messageView);
    });
}

function addWatch(program: Command, session: CliSession): void {
  program
    .command('watch')
    .description(
      'follow a message: one line per new timeline entry or status change, until it is ' +
        'DELIVERED, BOUNCED, COMPLAINED, FAILED, SUPPRESSED or CANCELED',
    )
    .argument('<id>', 'ases id (or SES message id)')
    .addOption(
      new Option('--interval <duration>', 'time between reads: 500ms, 1s, 2m')
        .default(1000, '1s')
        .argParser(durationParser(MIN_WATCH_INTERVAL_MS)),
    )
    .addOption(
      new Option(
        '--timeout <duration>',
        'give up after this long (exit 5); default: never',
      ).argParser(durationParser(1)),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 DELIVERED; 4 BOUNCED, COMPLAINED, FAILED, SUPPRESSED or CANCELED; ' +
        '5 timed out.\nA complaint that comes after the delivery is not waited for.',
    )
    .action(async (id: string, flags: { interval: number; timeout?: number }, command: Command) => {
      const client = session.client(command);
      const json = session.json(command);
      const outcome = await watchMessage(() => client.message(id), {
        intervalMs: flags.interval,
        timeoutMs: flags.timeout,
        onUpdate: (update) => session.print(json ? toJsonLine(update) : watchLine(update)),
        sleep: session.sleep,
        now: session.now,
      });
      session.exitCode = watchExitCode(outcome);
      const { status } = outcome.record;
      if (json) {
        session.print(toJsonLine({ kind: 'end', settled: outcome.settled, status }));
      } else if (!outcome.settled) {
        session.error(`timed out after ${formatDuration(flags.timeout ?? 0)}: still ${status}`);
      }
    });
}

interface MessagesFlags {
  status?: string;
  reason?: string;
  to?: string[];
  tag?: string[];
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
}

function addMessages(program: Command, session: CliSession): void {
  program
    .command('messages')
    .alias('search')
    .description('find messages (GET /v1/messages), newest queued first')
    .option('--status <status>', 'DELIVERED, BOUNCED, FAILED, STALE, ...')
    .option('--reason <reason>', 'with --status STALE: queued or pushed')
    .option('--to <address>', 'sent to this address (repeatable: all of them)', collect)
    .option('--tag <name:value>', 'with this tag (repeatable: all of them)', collect)
    .option('--since <time>', 'queued at or after (RFC 3339)')
    .option('--until <time>', 'queued before (RFC 3339)')
    .addOption(new Option('--limit <n>', 'per page (1-500)').argParser(positiveInteger))
    .option('--cursor <cursor>', 'the nextCursor of the page before')
    .option('--all', 'follow nextCursor to the last page')
    .action(async (flags: MessagesFlags, command: Command) => {
      const client = session.client(command);
      const query: QueryParams = {
        status: flags.status,
        reason: flags.reason,
        to: flags.to,
        tag: flags.tag,
        since: flags.since,
        until: flags.until,
        limit: flags.limit,
      };
      const pages = await readPages(flags.all === true, flags.cursor, async (cursor) => {
        const page = await client.findMessages({ ...query, cursor });
        return { items: page.messages, nextCursor: page.nextCursor, page };
      });
      if (session.json(command)) {
        session.print(
          toJson(flags.all ? { messages: pages.items } : (pages.first ?? { messages: [] })),
        );
        return;
      }
      session.print(pages.items.length ? messagesView(pages.items) : 'no messages found');
      moreNote(session, pages.nextCursor);
    });
}

function addSuppressions(program: Command, session: CliSession): void {
  const suppressions = program
    .command('suppressions')
    .description('the suppression list: list, show, add, remove');
  suppressions
    .command('list')
    .description('the suppressed addresses (GET /v1/suppressions)')
    .addOption(new Option('--limit <n>', 'per page (1-1000)').argParser(positiveInteger))
    .option('--cursor <cursor>', 'the nextCursor of the page before')
    .option('--all', 'follow nextCursor to the last page')
    .action(async (flags: { limit?: number; cursor?: string; all?: boolean }, command: Command) => {
      const client = session.client(command);
      const pages = await readPages<SuppressionEntry, unknown>(
        flags.all === true,
        flags.cursor,
        async (cursor) => {
          const page = await client.suppressions({ limit: flags.limit, cursor });
          return { items: page.items, nextCursor: page.nextCursor ?? undefined, page };
        },
      );
      if (session.json(command)) {
        session.print(toJson(flags.all ? { items: pages.items } : pages.first));
        return;
      }
      session.print(pages.items.length ? suppressionsView(pages.items) : 'no suppressed address');
      moreNote(session, pages.nextCursor);
    });
  suppressions
    .command('show')
    .description("an address's entry and unsubscribes (GET /v1/suppressions/:email)")
    .argument('<email>')
    .action(async (email: string, _flags: unknown, command: Command) => {
      const entry = await session.client(command).suppression(email);
      session.show(command, entry, suppressionView);
    });
  suppressions
    .command('add')
    .description('suppress an address, or with --category unsubscribe it from that category')
    .argument('<email>')
    .requiredOption('--reason <text>', 'why, in words')
    .option('--category <name>', 'only this category of mail (an unsubscribe)')
    .action(
      async (email: string, flags: { reason: string; category?: string }, command: Command) => {
        const { created, entry } = await session.client(command).suppress(email, flags);
        session.show(
          command,
          entry,
          (added) =>
            `${created ? 'added' : 'replaced'} ${added.email}` +
            (added.category ? ` (unsubscribed from ${added.category})` : ''),
        );
      },
    );
  suppressions
    .command('remove')
    .description('take an address off the list (or only its unsubscribe from --category)')
    .argument('<email>')
    .option('--category <name>', 'only the unsubscribe from this category')
    .action(async (email: string, flags: { category?: string }, command: Command) => {
      await session.client(command).unsuppress(email, flags.category);
      session.show(command, { email, category: flags.category, removed: true }, () =>
        flags.category
          ? `removed ${email}'s unsubscribe from ${flags.category}`
          : `removed ${email}`,
      );
    });
}

function addWebhooks(program: Command, session: CliSession): void {
  const webhooks = program
    .command('webhooks')
    .description('webhook endpoints: list, add, remove, test');
  webhooks
    .command('list')
    .description('the endpoints (GET /v1/webhooks)')
    .action(async (_flags: unknown, command: Command) => {
      const endpoints = await session.client(command).webhooks();
      session.show(command, { webhooks: endpoints }, () =>
        endpoints.length ? webhooksView(endpoints) : 'no webhook endpoints',
      );
    });
  webhooks
    .command('add')
    .description('add an endpoint (POST /v1/webhooks); prints its secret, shown this once')
    .argument('<url>', 'http(s) URL that gets the events')
    .addOption(
      new Option(
        '--events <types>',
        'comma-separated, e.g. message.bounced,message.complained',
      ).argParser(commaList),
    )
    .option('--description <text>', 'what the endpoint is for')
    .action(
      async (url: string, flags: { events?: string[]; description?: string }, command: Command) => {
        const endpoint = await session
          .client(command)
          .addWebhook({ url, events: flags.events, description: flags.description });
        session.show(command, endpoint, newWebhookView);
      },
    );
  webhooks
    .command('remove')
    .description('delete an endpoint (DELETE /v1/webhooks/:id)')
    .argument('<id>')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await session.client(command).removeWebhook(id);
      session.show(command, { id, removed: true }, () => `removed ${id}`);
    });
  webhooks
    .command('test')
    .description('post a webhook.test event now; exits 1 unless the endpoint answers 2xx')
    .argument('<id>')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const attempt = await session.client(command).testWebhook(id);
      const ok = attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
      const answered = attempt.status === undefined ? 'no answer' : `answered ${attempt.status}`;
      session.show(command, attempt, () =>
        ok
          ? `${answered} in ${attempt.latencyMs} ms`
          : `failed: ${answered}${attempt.error ? ` (${attempt.error})` : ''}, ` +
            `${attempt.latencyMs} ms`,
      );
      if (!ok) {
        session.exitCode = ExitCode.API_ERROR;
      }
    });
}

function addStats(program: Command, session: CliSession): void {
  program
    .command('stats')
    .description(
      'the send rate, any pause, the stale counts (GET /v1/sending) and what happened over the ' +
        'last hour and the last 24 hours (GET /v1/stats)',
    )
    .action(async (_flags: unknown, command: Command) => {
      const client = session.client(command);
      const now = session.now();
      const [sending, hour, day] = await Promise.all([
        client.sending(),
        client.stats({ resolution: 'minute', since: new Date(now - HOUR_MS).toISOString() }),
        client.stats({ resolution: 'minute', since: new Date(now - DAY_MS).toISOString() }),
      ]);
      const view = {
        sending,
        ranges: [
          { name: 'hour', counts: hour.totals },
          { name: '24 hours', counts: day.totals },
        ],
      };
      session.show(command, view, statsView);
    });
}

function addReputation(program: Command, session: CliSession): void {
  program
    .command('reputation')
    .description('bounce and complaint rates, and the guard state (GET /v1/reputation)')
    .action(async (_flags: unknown, command: Command) => {
      const client = session.client(command);
      try {
        session.show(command, await client.reputation(), reputationView);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          throw new ApiError(
            404,
            'NOT_AVAILABLE',
            `${client.urlOf('/v1/reputation').href} answered 404: this ases has no reputation ` +
              'endpoint (it comes with the reputation guard)',
            error.body,
          );
        }
        throw error;
      }
    });
}

/** The items of one page, or of every page from `cursor` on, and where the next page starts. */
async function readPages<T, P>(
  all: boolean,
  cursor: string | undefined,
  read: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string; page: P }>,
): Promise<{ items: T[]; nextCursor?: string; first?: P }> {
  const items: T[] = [];
  let first: P | undefined;
  let next = cursor;
  do {
    const page = await read(next);
    first ??= page.page;
    items.push(...page.items);
    next = page.nextCursor;
  } while (all && next !== undefined);
  return { items, nextCursor: next, first };
}

function moreNote(session: CliSession, nextCursor: string | undefined): void {
  if (nextCursor !== undefined) {
    session.error(`more: --cursor ${nextCursor} (or --all)`);
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function commaList(value: string): string[] {
  const list = value
    .split(',')
    .map((each) => each.trim())
    .filter(Boolean);
  if (list.length === 0) {
    throw new InvalidArgumentError('give at least one event type');
  }
  return list;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError('must be a whole number, 1 or more');
  }
  return Number(value);
}

function durationParser(minMs: number): (value: string) => number {
  return (value) => {
    const ms = parseDuration(value);
    if (ms === null) {
      throw new InvalidArgumentError('must be a duration such as 500ms, 1s, 2m or 1h');
    }
    if (ms < minMs) {
      throw new InvalidArgumentError(`must be at least ${formatDuration(minMs)}`);
    }
    return ms;
  };
}
