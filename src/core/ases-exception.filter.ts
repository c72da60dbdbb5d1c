import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { AsesErrorCode, AsesException } from './ases.exception';

const STATUS_BY_CODE: Record<AsesErrorCode, number> = {
  [AsesErrorCode.INVALID_MESSAGE]: HttpStatus.BAD_REQUEST,
  [AsesErrorCode.INVALID_REQUEST]: HttpStatus.BAD_REQUEST,
  [AsesErrorCode.PAYLOAD_TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [AsesErrorCode.UNSUPPORTED_MEDIA_TYPE]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [AsesErrorCode.REQUEST_TIMEOUT]: HttpStatus.REQUEST_TIMEOUT,
  [AsesErrorCode.UNAUTHORIZED]: HttpStatus.UNAUTHORIZED,
  [AsesErrorCode.MESSAGE_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [AsesErrorCode.LINK_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [AsesErrorCode.IDEMPOTENCY_CONFLICT]: HttpStatus.CONFLICT,
  [AsesErrorCode.NOT_RETRYABLE]: HttpStatus.CONFLICT,
  [AsesErrorCode.NOT_CANCELABLE]: HttpStatus.CONFLICT,
  [AsesErrorCode.RECIPIENT_SUPPRESSED]: HttpStatus.UNPROCESSABLE_ENTITY,
  [AsesErrorCode.SUPPRESSION_NOT_FOUND]: HttpStatus.NOT_FOUND,
  // A send naming an unknown template is re-wrapped by the mailer; this is GET/DELETE's answer.
  [AsesErrorCode.TEMPLATE_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [AsesErrorCode.WEBHOOK_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [AsesErrorCode.WEBHOOK_CONFLICT]: HttpStatus.CONFLICT,
  [AsesErrorCode.FORBIDDEN]: HttpStatus.FORBIDDEN,
  [AsesErrorCode.RETRY_LATER]: HttpStatus.SERVICE_UNAVAILABLE,
  [AsesErrorCode.QUEUE_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [AsesErrorCode.STORE_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
};

/** The HTTP status and JSON body ases answers an `AsesException` with. */
export function asesErrorResponse(exception: AsesException): {
  statusCode: number;
  body: Record<string, unknown>;
} {
  const statusCode = STATUS_BY_CODE[exception.code];
  return {
    statusCode,
    body: { statusCode, code: exception.code, message: exception.message, ...exception.details },
  };
}

/**
 * Maps errors on ases's own controllers to `{ statusCode, code, message, ... }`. Applied with
 * `@UseFilters` on each controller, so it neither depends on nor changes the host's global filters.
 */
@Catch()
export class AsesExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ases');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof AsesException) {
      const { statusCode, body } = asesErrorResponse(exception);
      if (exception.code === AsesErrorCode.UNAUTHORIZED) {
        response.setHeader('WWW-Authenticate', 'Bearer');
      }
      response.status(statusCode).json(body);
      return;
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const body = exception.getResponse();
      const message =
        typeof body === 'string'
          ? body
          : ((body as { message?: unknown }).message ?? exception.message);
      response.status(statusCode).json({
        statusCode,
        code: HttpStatus[statusCode] ?? `HTTP_${statusCode}`,
        message,
      });
      return;
    }
    // Unknown errors may carry SDK or Redis internals: log them, answer a bare 500.
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      code: 'INTERNAL_ERROR',
      message: 'Internal server error',
    });
  }
}
