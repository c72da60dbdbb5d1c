import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';
import { MAX_BODY_BYTES } from './request-body';

/** The error statuses ases's routes answer with (AsesExceptionFilter's mapping of the codes). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 422 | 503;

/**
 * Documents error answers, each with the shared {@link ErrorResponseDto} schema: one entry per
 * status, whose description names the codes (and any extra fields) of that route. On a controller
 * it applies to every route; a route's own entry for the same status replaces it.
 */
export function ApiErrors(
  answers: Partial<Record<ErrorStatus, string>>,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...Object.entries(answers).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description,
        // Spelled out rather than `type`, so a route that produces text (GET /metrics) still
        // documents its errors as the JSON they are.
        content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } },
      }),
    ),
  );
}

export const UNAUTHORIZED =
  '`UNAUTHORIZED`: no `Authorization: Bearer <key>`, or a key not in API_KEYS';
/** The 400 any route that reads a body can give besides its own. */
export const BAD_JSON = '`INVALID_REQUEST`: a body that is not valid JSON, or nests too deep';
export const STORE_UNAVAILABLE = '`STORE_UNAVAILABLE`: Redis does not answer; retry later';

/** A route's own 503 replaces the controller's, so routes that also use SQS name both. */
export const STORE_OR_QUEUE_UNAVAILABLE =
  '`STORE_UNAVAILABLE` (Redis) or `QUEUE_UNAVAILABLE` (SQS) does not answer; retry later';

/** A controller (or route) behind the API key that reads or writes Redis. */
export function ApiKeyRoutes(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiBearerAuth(), ApiErrors({ 401: UNAUTHORIZED, 503: STORE_UNAVAILABLE }));
}

/**
 * A route that reads a request body: the request gate (see guardRequestBodies) refuses it before
 * the route runs when it is too large, not JSON, or too slow.
 */
export function ApiJsonBodyErrors(maxBytes = MAX_BODY_BYTES): MethodDecorator & ClassDecorator {
  return ApiErrors({
    408: '`REQUEST_TIMEOUT`: the body stalled or took too long to arrive',
    413: `\`PAYLOAD_TOO_LARGE\` with \`limit\` (in bytes): a body over ${sizeOf(maxBytes)}`,
    415: '`UNSUPPORTED_MEDIA_TYPE`: a body that is not application/json (UTF-8, uncompressed)',
  });
}

/** A size as people write it: `14 MiB`, `300 KiB`, else in bytes. */
export function sizeOf(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) {
    return `${bytes / (1024 * 1024)} MiB`;
  }
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}
