import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import pino, { type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { Environment } from '../config/environment';

/** What the standalone service's logger is made of: LOG_FORMAT and LOG_LEVEL. */
export type LogSettings = Pick<Environment, 'LOG_FORMAT' | 'LOG_LEVEL'>;

/**
 * pino's options for the standalone service. JSON lines carry the level's name (`"level":"info"`)
 * and an ISO 8601 time, which log stores read without a mapping; request lines are never written
 * and authorization headers are redacted should a request ever be logged.
 */
export function pinoOptions(settings: LogSettings): LoggerOptions {
  const options: LoggerOptions = {
    level: settings.LOG_LEVEL,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  };
  if (settings.LOG_FORMAT === 'json') {
    // pino-pretty reads the level's number: the name only goes to JSON lines.
    options.formatters = { level: (label) => ({ level: label }) };
  }
  return options;
}

/**
 * The standalone service's pino logger on standard output: JSON lines, or one readable line per
 * entry (`12:00:00.000 INFO: [ases] message BOUNCED {"messageId":…}`) with LOG_FORMAT=pretty.
 */
export function createServiceLogger(settings: LogSettings): Logger {
  if (settings.LOG_FORMAT === 'json') {
    return pino(pinoOptions(settings));
  }
  // In-process rather than as a pino transport: no worker thread for a development format.
  return pino(
    pinoOptions(settings),
    pretty({
      colorize: process.stdout.isTTY,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context,reqId',
      messageFormat: '{if context}[{context}] {end}{msg}',
    }),
  );
}

/**
 * nestjs-pino's parameters: the service's logger, no line per HTTP request (the pixel and link
 * endpoints alone would bury everything else; their paths carry tokens) and only a request id
 * bound to the lines written while serving one (pino-http would bind the whole request,
 * Authorization header included).
 */
export function loggerModuleParams(settings: LogSettings): Params {
  return {
    pinoHttp: { logger: createServiceLogger(settings), autoLogging: false, quietReqLogger: true },
    // Express 5's syntax for every path (nestjs-pino's default, `*`, makes Nest warn).
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  };
}
