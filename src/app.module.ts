import { Module } from '@nestjs/common';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { AsesModule } from './ases.module';
import { asesOptionsFromEnvironment } from './config/ases-options.from-environment';
import { environmentConfig } from './config/environment.config';
import { loggerModuleParams } from './logging/service-logger';

/** The standalone service: a host like any other, building AsesModule's options from the environment. */
@Module({
  imports: [
    // main.ts has loaded .env already, before deciding whether to start the local stack.
    ConfigModule.forRoot({ ignoreEnvFile: true, load: [environmentConfig] }),
    // The host's logger (pino: LOG_FORMAT, LOG_LEVEL); ases writes through Nest's Logger to it.
    LoggerModule.forRootAsync({
      imports: [ConfigModule.forFeature(environmentConfig)],
      inject: [environmentConfig.KEY],
      useFactory: (env: ConfigType<typeof environmentConfig>) => loggerModuleParams(env),
    }),
    AsesModule.forRootAsync({
      imports: [ConfigModule.forFeature(environmentConfig)],
      inject: [environmentConfig.KEY],
      useFactory: (env: ConfigType<typeof environmentConfig>) => asesOptionsFromEnvironment(env),
    }),
  ],
})
export class AppModule {}
