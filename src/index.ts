export { AsesModule } from './ases.module';
export { AsesService } from './ases.service';
export type { AsesModuleOptions, AsesQueueOptions } from './core/ases-options';
export { AsesErrorCode, AsesException } from './core/ases.exception';
export { ASES_OPTIONS } from './core/ases.tokens';
export { SendMessageDto } from './mailer/dto/send-message.dto';
export type { BatchItemResult, SendmailResult } from './mailer/mailer.service';
export type {
  BounceInfo,
  ComplaintInfo,
  MessageRecord,
  SendErrorInfo,
} from './status/message-record';
export { MessageStatus } from './status/message-status';
export { setupOpenApi } from './openapi';
