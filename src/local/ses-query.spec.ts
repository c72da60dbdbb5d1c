import {
  accessKeyIdFromAuthorization,
  memberList,
  messageIdFromXml,
  messageTags,
  sesErrorXml,
  sesResponseXml,
  xmlEscape,
} from './ses-query';

describe('memberList', () => {
  it('returns the members of a list parameter in index order, not arrival order', () => {
    const params = new URLSearchParams(
      'Destinations.member.2=b%40x&Destinations.member.10=c%40x&Destinations.member.1=a%40x&Other.member.1=z',
    );
    expect(memberList(params, 'Destinations')).toEqual(['a@x', 'b@x', 'c@x']);
  });

  it('treats dots in the prefix literally', () => {
    const params = new URLSearchParams(
      'Destination.ToAddresses.member.1=a%40x&DestinationXToAddresses.member.2=b%40x',
    );
    expect(memberList(params, 'Destination.ToAddresses')).toEqual(['a@x']);
  });

  it('is empty when the list is absent', () => {
    expect(memberList(new URLSearchParams('Action=SendRawEmail'), 'Destinations')).toEqual([]);
  });
});

describe('messageTags', () => {
  it('pairs each Name with its Value, in index order', () => {
    const params = new URLSearchParams(
      'Tags.member.2.Value=spring&Tags.member.10.Name=b&Tags.member.1.Name=ases-id&' +
        'Tags.member.2.Name=campaign&Tags.member.1.Value=m-1&Tags.member.10.Value=&TagsXmember.3.Name=x',
    );
    expect(messageTags(params)).toEqual([
      { name: 'ases-id', value: 'm-1' },
      { name: 'campaign', value: 'spring' },
      { name: 'b', value: '' },
    ]);
  });

  it('is empty without tags', () => {
    expect(messageTags(new URLSearchParams('Action=SendRawEmail&Tags.member.1=x'))).toEqual([]);
  });
});

describe('SES XML', () => {
  it('wraps a result in <Action>Response / <Action>Result with a request id', () => {
    expect(sesResponseXml('GetThing', '<A>1</A>', 'req-1')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><GetThingResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">' +
        '<GetThingResult><A>1</A></GetThingResult>' +
        '<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetThingResponse>',
    );
    expect(sesResponseXml('SetThing', '', 'r')).toContain('<SetThingResult/>');
  });

  it('builds an escaped ErrorResponse', () => {
    const xml = sesErrorXml('InvalidParameterValue', 'bad <value> & more', 'r');
    expect(xml).toContain('<Code>InvalidParameterValue</Code>');
    expect(xml).toContain('<Message>bad &lt;value&gt; &amp; more</Message>');
    expect(xml).toContain('<Type>Sender</Type>');
  });

  it('escapes the five XML special characters', () => {
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;',
    );
  });

  it('reads the MessageId of a send answer', () => {
    expect(
      messageIdFromXml(
        '<SendRawEmailResponse><SendRawEmailResult><MessageId>ses-123</MessageId></SendRawEmailResult></SendRawEmailResponse>',
      ),
    ).toBe('ses-123');
    expect(messageIdFromXml('{"message":"Bad Request Exception"}')).toBeUndefined();
  });
});

describe('accessKeyIdFromAuthorization', () => {
  it('reads the access key id of a SigV4 header', () => {
    expect(
      accessKeyIdFromAuthorization(
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=abc',
      ),
    ).toBe('AKIDEXAMPLE');
  });

  it('is undefined without a credential', () => {
    expect(accessKeyIdFromAuthorization(undefined)).toBeUndefined();
    expect(accessKeyIdFromAuthorization('AWS3 whatever')).toBeUndefined();
  });
});
