import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { ResolvedAsesOptions } from './ases-options';
import { AsesErrorCode, AsesException } from './ases.exception';
import { InjectAsesOptions } from './ases.tokens';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Lets a request through when it carries `Authorization: Bearer <one of the API keys>`. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  // Comparing fixed-length digests keeps the check constant-time whatever the key lengths.
  private readonly keyDigests: Buffer[];

  constructor(@InjectAsesOptions() options: ResolvedAsesOptions) {
    this.keyDigests = options.apiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) {
      throw new AsesException(
        AsesErrorCode.UNAUTHORIZED,
        'missing API key: send the header "Authorization: Bearer <key>"',
      );
    }
    const given = digest(match[1]);
    let known = false;
    for (const key of this.keyDigests) {
      known = timingSafeEqual(given, key) || known;
    }
    if (!known) {
      throw new AsesException(AsesErrorCode.UNAUTHORIZED, 'invalid API key');
    }
    return true;
  }
}
