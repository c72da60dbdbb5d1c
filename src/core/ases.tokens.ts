import { Inject } from '@nestjs/common';
import { InjectRedis } from '@nestjs-modules/ioredis';

/** The options as the host gave them to `AsesModule.forRoot`. */
export const ASES_MODULE_OPTIONS = Symbol('ases:module-options');
/** The options with defaults applied (`ResolvedAsesOptions`). */
export const ASES_OPTIONS = Symbol('ases:options');
/** ases's own @ssut/nestjs-sqs `SqsService` (its consumers and the sendmail producer). */
export const ASES_SQS_SERVICE = Symbol('ases:sqs-service');
/**
 * The `EventEmitter2` ases emits its events on: the host's, when the host imports
 * `EventEmitterModule.forRoot()` (with whatever options), otherwise one of ases's own.
 */
export const ASES_EVENT_EMITTER = Symbol('ases:event-emitter');
/** Name of the ioredis connection ases owns; never the host's default connection. */
export const ASES_REDIS_CONNECTION = 'ases';

/** Injects the resolved ases options. */
export const InjectAsesOptions = (): ParameterDecorator => Inject(ASES_OPTIONS);
/** Injects the Redis connection ases owns. */
export const InjectAsesRedis = (): ParameterDecorator => InjectRedis(ASES_REDIS_CONNECTION);
/** Injects the emitter ases announces on (`ASES_EVENT_EMITTER`). */
export const InjectAsesEvents = (): ParameterDecorator => Inject(ASES_EVENT_EMITTER);
/** Injects ases's own `SqsService`. */
export const InjectAsesSqs = (): ParameterDecorator => Inject(ASES_SQS_SERVICE);
