import { Module } from '@nestjs/common';
import { MessageLogListener } from './message-log.listener';

/** ases's log lines about messages, written through Nest's `Logger` (the host's logger). */
@Module({ providers: [MessageLogListener] })
export class LoggingModule {}
