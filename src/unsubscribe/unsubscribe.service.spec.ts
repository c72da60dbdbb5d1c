import type { ResolvedAsesOptions } from '../core/ases-options';
import type { StatusService } from '../status/status.service';
import type { SuppressionService } from '../suppression/suppression.service';
import { verifyUnsubscribeToken } from './unsubscribe-token';
import { UnsubscribeService } from './unsubscribe.service';

const SECRET = 'service-spec-secret';

// headersFor and linkFor only sign: the store-facing collaborators are never called here.
function serviceWith(baseUrl: string, mailto?: string): UnsubscribeService {
  const options = {
    tracking: { baseUrl, secret: SECRET },
    unsubscribe: { mailto, categories: ['marketing'] },
  } as unknown as ResolvedAsesOptions;
  return new UnsubscribeService(
    options,
    null as unknown as SuppressionService,
    null as unknown as StatusService,
  );
}

const target = { messageId: 'm-1', recipient: 'Jane <Jane@EXAMPLE.com>', category: 'marketing' };

describe('UnsubscribeService.headersFor', () => {
  it('gives the one-click URL and List-Unsubscribe-Post (RFC 8058)', () => {
    const headers = serviceWith('https://mail.example.com/').headersFor(target);

    expect(Object.keys(headers).sort()).toEqual(['List-Unsubscribe', 'List-Unsubscribe-Post']);
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const match = /^<https:\/\/mail\.example\.com\/u\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22})>$/.exec(
      headers['List-Unsubscribe'],
    );
    expect(match).not.toBeNull();
    // The bare address, keyed as the suppression list keys it.
    expect(verifyUnsubscribeToken(match?.[1] ?? '', SECRET)).toEqual({
      messageId: 'm-1',
      recipient: 'Jane@example.com',
      category: 'marketing',
    });
  });

  it('adds a mailto link whose subject carries the same token, when one is configured', () => {
    const service = serviceWith('https://mail.example.com', 'unsub+list@example.com');

    const value = service.headersFor(target)['List-Unsubscribe'];

    const match =
      /^<https:\/\/mail\.example\.com\/u\/(\S+)>, <mailto:unsub\+list@example\.com\?subject=unsubscribe%20(\S+)>$/.exec(
        value,
      );
    expect(match?.[1]).toBeDefined();
    expect(match?.[2]).toBe(match?.[1]);
  });

  it('percent-encodes what a mailto address must not hold as it is', () => {
    const value = serviceWith('https://m.example.com', 'a%b?c@exämple.com').headersFor(target)[
      'List-Unsubscribe'
    ];
    expect(value).toContain('<mailto:a%25b%3Fc@ex%C3%A4mple.com?subject=unsubscribe%20');
  });

  it('links the same URL linkFor gives, under a base URL with a path', () => {
    const service = serviceWith('https://example.com/mail//');
    const link = service.linkFor(target);

    expect(link).toMatch(/^https:\/\/example\.com\/mail\/u\/[A-Za-z0-9_.-]+$/);
    expect(service.headersFor(target)['List-Unsubscribe']).toBe(`<${link}>`);
    expect(service.verify(link.slice(link.lastIndexOf('/') + 1))).toMatchObject({
      recipient: 'Jane@example.com',
    });
  });

  it('refuses an address or category that is none', () => {
    const service = serviceWith('https://mail.example.com');
    expect(() => service.headersFor({ ...target, recipient: 'a@b.com, c@d.com' })).toThrow(
      /recipient/,
    );
    expect(() => service.headersFor({ ...target, category: 'Bad' })).toThrow(/category/);
  });
});
