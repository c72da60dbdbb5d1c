import { Injectable } from '@nestjs/common';
import { ApiKeyCheck } from '../core/api-key.guard';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { InjectAsesOptions } from '../core/ases.tokens';
import { DashboardAsset, loadDashboardAssets } from './dashboard-assets';
import { dashboardPage, signInPage } from './dashboard-page';
import { DashboardSessions, SessionRequest } from '../core/dashboard-session';

/** The dashboard's pages, assets and sign-in. */
@Injectable()
export class DashboardService {
  private readonly keys: ApiKeyCheck;
  private readonly sessions: DashboardSessions;
  private readonly assets = loadDashboardAssets();
  // Both pages are fixed text: rendered once.
  private readonly pages = { signIn: signInPage(), dashboard: dashboardPage() };

  constructor(@InjectAsesOptions() options: ResolvedAsesOptions) {
    this.keys = new ApiKeyCheck(options.apiKeys);
    this.sessions = new DashboardSessions(options.apiKeys);
  }

  /** The dashboard for a request with a valid session, the sign-in form otherwise. */
  pageFor(request: SessionRequest): string {
    return this.sessions.access(request) === 'granted' ? this.pages.dashboard : this.pages.signIn;
  }

  /** The asset called `name`; LINK_NOT_FOUND (404) for any other name. */
  asset(name: string): DashboardAsset {
    const asset = this.assets.get(name);
    if (asset === undefined) {
      throw new AsesException(AsesErrorCode.LINK_NOT_FOUND, `no dashboard asset named ${name}`);
    }
    return asset;
  }

  /**
   * A session token for `key` when it is one of the API keys; INVALID_REQUEST (400) when the body
   * has no key, UNAUTHORIZED (401) when it is wrong.
   */
  signIn(body: unknown): string {
    const key = (body as { key?: unknown } | null | undefined)?.key;
    if (typeof key !== 'string' || key.trim() === '') {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        'the body must be {"key": "<API key>"}: key is missing or empty',
      );
    }
    const refusal = this.keys.refusal(`Bearer ${key}`);
    if (refusal) {
      throw new AsesException(AsesErrorCode.UNAUTHORIZED, 'wrong API key');
    }
    return this.sessions.issue(key.trim());
  }
}
