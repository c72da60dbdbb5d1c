import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { ResolvedAsesOptions } from './ases-options';
import { AsesErrorCode, AsesException } from './ases.exception';
import { InjectAsesOptions } from './ases.tokens';
import { DashboardSessions } from './dashboard-session';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Checks an `Authorization` header against the API keys. Shared by {@link ApiKeyGuard} and the
 * request-body gate, which must refuse a request before reading its body.
 */
export class ApiKeyCheck {
  // Comparing fixed-length digests keeps the check constant-time whatever the key lengths.
  private readonly keyDigests: Buffer[];

  constructor(apiKeys: readonly string[]) {
    this.keyDigests = apiKeys.map(digest);
  }

  /** Null when the header is `Bearer <one of the keys>`; otherwise the UNAUTHORIZED answer. */
  refusal(header: string | undefined): AsesException | null {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) {
      return new AsesException(
        AsesErrorCode.UNAUTHORIZED,
        'missing API key: send the header "Authorization: Bearer <key>"',
      );
    }
    const given = digest(match[1]);
    let known = false;
    for (const key of this.keyDigests) {
      known = timingSafeEqual(given, key) || known;
    }
    return known ? null : new AsesException(AsesErrorCode.UNAUTHORIZED, 'invalid API key');
  }
}

/**
 * Lets a request through when it carries `Authorization: Bearer <one of the API keys>`, or, with
 * no such header, the dashboard's session cookie (a state-changing request only from the
 * dashboard's own origin).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly check: ApiKeyCheck;
  private readonly sessions: DashboardSessions;

  constructor(@InjectAsesOptions() options: ResolvedAsesOptions) {
    this.check = new ApiKeyCheck(options.apiKeys);
    this.sessions = new DashboardSessions(options.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization;
    if (header === undefined) {
      const session = this.sessions.access(request);
      if (session === 'granted') {
        return true;
      }
      if (session === 'cross-site') {
        throw new AsesException(
          AsesErrorCode.FORBIDDEN,
          'a dashboard session may change things only from the dashboard page (same origin)',
        );
      }
    }
    const refusal = this.check.refusal(header);
    if (refusal) {
      throw refusal;
    }
    return true;
  }
}
