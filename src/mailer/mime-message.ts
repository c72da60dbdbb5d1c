import MailComposer from 'nodemailer/lib/mail-composer';

/** The parts of a message that go into its MIME source. */
export interface MimeContent {
  from: string;
  to: string;
  subject: string;
  html?: string;
  text?: string;
}

/** Builds the raw RFC 5322 message SendRawEmail takes, with nodemailer's MailComposer. */
export function buildMimeMessage(content: MimeContent): Promise<Buffer> {
  const composer = new MailComposer({
    from: content.from,
    to: content.to,
    subject: content.subject,
    html: content.html,
    text: content.text,
    // Bodies are strings from the API: never let them be read as file paths or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
