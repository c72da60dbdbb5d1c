import MailComposer from 'nodemailer/lib/mail-composer';

/** The parts of a message that go into its MIME source. */
export interface MimeContent {
  /** The ases id, sent as `X-Ases-Id` so that SES's notifications name it (mail.headers). */
  id: string;
  from: string;
  to: string;
  subject: string;
  html?: string;
  text?: string;
}

/** The header that carries the ases id; SES hands it back in notifications' `mail.headers`. */
export const ASES_ID_HEADER = 'X-Ases-Id';

/** Builds the raw RFC 5322 message SendRawEmail takes, with nodemailer's MailComposer. */
export function buildMimeMessage(content: MimeContent): Promise<Buffer> {
  const composer = new MailComposer({
    from: content.from,
    to: content.to,
    subject: content.subject,
    html: content.html,
    text: content.text,
    headers: { [ASES_ID_HEADER]: content.id },
    // Bodies are strings from the API: never let them be read as file paths or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
