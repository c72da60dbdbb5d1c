import MailComposer from 'nodemailer/lib/mail-composer';

/** A file sent with a message; with a `contentId` it is inline (`cid:` in the HTML). */
export interface MimeAttachment {
  filename: string;
  content: Buffer;
  contentType?: string;
  contentId?: string;
}

/** The parts of a message that go into its MIME source. */
export interface MimeContent {
  /** The ases id, sent as `X-Ases-Id` so that SES's notifications name it (mail.headers). */
  id: string;
  from: string;
  /** One mailbox or several. */
  to: string | string[];
  cc?: string[];
  replyTo?: string[];
  subject: string;
  html?: string;
  text?: string;
  /** Custom header fields (checked by the request's validation: none that ases owns). */
  headers?: Record<string, string>;
  attachments?: MimeAttachment[];
}

/** The header that carries the ases id; SES hands it back in notifications' `mail.headers`. */
export const ASES_ID_HEADER = 'X-Ases-Id';

/**
 * Largest message SES's SendRawEmail (API v1) takes, attachments and encoding included. SES API
 * v2 takes 40 MB, but ases sends through v1 (the design card's @aws-sdk/client-ses).
 */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * Builds the raw RFC 5322 message SendRawEmail takes, with nodemailer's MailComposer. Bcc
 * recipients are never given to it: they are only in SendRawEmail's Destinations, so no header
 * of the sent message names them.
 */
export function buildMimeMessage(content: MimeContent): Promise<Buffer> {
  const composer = new MailComposer({
    from: content.from,
    to: content.to,
    cc: content.cc !== undefined && content.cc.length > 0 ? content.cc : undefined,
    replyTo:
      content.replyTo !== undefined && content.replyTo.length > 0 ? content.replyTo : undefined,
    subject: content.subject,
    html: content.html,
    text: content.text,
    // Ours last: a custom field can never replace the id notifications are matched by.
    headers: { ...content.headers, [ASES_ID_HEADER]: content.id },
    attachments: content.attachments?.map((attachment) => ({
      filename: attachment.filename,
      content: attachment.content,
      contentType: attachment.contentType,
      cid: attachment.contentId,
      contentDisposition: attachment.contentId === undefined ? 'attachment' : 'inline',
    })),
    // Bodies are strings from the API: never let them be read as file paths or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
