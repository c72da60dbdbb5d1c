import { Module } from '@nestjs/common';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { AsesModule } from './ases.module';
import { asesOptionsFromEnvironment } from './config/ases-options.from-environment';
import { environmentConfig } from './config/environment.config';

/** The standalone service: a host like any other, building AsesModule's options from the environment. */
@Module({
  imports: [
    // main.ts has loaded .env already, before deciding whether to start the local stack.
    ConfigModule.forRoot({ ignoreEnvFile: true, load: [environmentConfig] }),
    AsesModule.forRootAsync({
      imports: [ConfigModule.forFeature(environmentConfig)],
      inject: [environmentConfig.KEY],
      useFactory: (env: ConfigType<typeof environmentConfig>) => asesOptionsFromEnvironment(env),
    }),
  ],
})
export class AppModule {}
