import { randomUUID } from 'node:crypto';

/** XML namespace of the SES v1 (2010-12-01) query API. */
export const SES_XML_NAMESPACE = 'http://ses.amazonaws.com/doc/2010-12-01/';

/** Escapes text for an XML element or attribute. */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** The values of a query-protocol list parameter (`<prefix>.member.N`), in N order. */
export function memberList(params: URLSearchParams, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)$`);
  const members: Array<[number, string]> = [];
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) {
      members.push([Number(match[1]), value]);
    }
  }
  return members.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/** An SES message tag (`MessageTag`): a name and a value. */
export interface SesMessageTag {
  name: string;
  value: string;
}

/** The tags of a query-protocol request (`Tags.member.N.Name` / `.Value`), in N order. */
export function messageTags(params: URLSearchParams, prefix = 'Tags'): SesMessageTag[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)\\.(Name|Value)$`);
  const tags = new Map<number, Partial<SesMessageTag>>();
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) {
      const index = Number(match[1]);
      const tag = tags.get(index) ?? {};
      tag[match[2] === 'Name' ? 'name' : 'value'] = value;
      tags.set(index, tag);
    }
  }
  return [...tags.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, tag]) => ({ name: tag.name ?? '', value: tag.value ?? '' }));
}

/** A successful SES query-API answer: `<{Action}Response><{Action}Result>…` with a request id. */
export function sesResponseXml(
  action: string,
  resultXml = '',
  requestId: string = randomUUID(),
): string {
  const result = resultXml
    ? `<${action}Result>${resultXml}</${action}Result>`
    : `<${action}Result/>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<${action}Response xmlns="${SES_XML_NAMESPACE}">${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
    `</${action}Response>`
  );
}

/** An SES query-API error answer, the shape the AWS SDK parses into a named exception. */
export function sesErrorXml(
  code: string,
  message: string,
  requestId: string = randomUUID(),
  type: 'Sender' | 'Receiver' = 'Sender',
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<ErrorResponse xmlns="${SES_XML_NAMESPACE}">` +
    `<Error><Type>${type}</Type><Code>${xmlEscape(code)}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** The `<MessageId>` of a SendEmail / SendRawEmail answer, if there is one. */
export function messageIdFromXml(xml: string): string | undefined {
  return /<MessageId>([^<]+)<\/MessageId>/.exec(xml)?.[1]?.trim() || undefined;
}

/** The access key id in a SigV4 `Authorization` header (`Credential=AKID/date/region/...`). */
export function accessKeyIdFromAuthorization(header: string | undefined): string | undefined {
  return header ? /Credential=([^/,\s]+)\//.exec(header)?.[1] : undefined;
}
