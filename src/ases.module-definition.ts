import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AsesModuleOptions } from './core/ases-options';
import type { AsesRoutesOptions } from './core/ases-routes';
import { ASES_MODULE_OPTIONS } from './core/ases.tokens';

/** What `forRoot` / `forRootAsync` take beside the options: it shapes the module itself. */
export interface AsesModuleExtras {
  /** Route prefix and the route groups to mount; `false` mounts none. Default: all, at the root. */
  routes?: AsesRoutesOptions | false;
}

/** The forRoot / forRootAsync machinery of AsesModule, as nestjs/cache-manager builds it. */
export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AsesModuleOptions>({ optionsInjectionToken: ASES_MODULE_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras<AsesModuleExtras>({}, (definition) => definition)
    .build();
