import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AsesModuleOptions } from './core/ases-options';
import { ASES_MODULE_OPTIONS } from './core/ases.tokens';

/** The forRoot / forRootAsync machinery of AsesModule, as nestjs/cache-manager builds it. */
export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AsesModuleOptions>({ optionsInjectionToken: ASES_MODULE_OPTIONS })
    .setClassMethodName('forRoot')
    .build();
