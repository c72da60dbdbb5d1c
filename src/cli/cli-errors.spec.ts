import { CommanderError } from 'commander';
import { ApiError, ExitCode, failureOf, UnreachableError, UsageError } from './cli-errors';

describe('failureOf', () => {
  it.each([
    [
      new ApiError(401, 'UNAUTHORIZED', 'missing or wrong API key', {}),
      ExitCode.API_ERROR,
      'UNAUTHORIZED: missing or wrong API key',
    ],
    [
      new UsageError('--tag "x" must be name=value'),
      ExitCode.USAGE,
      'error: --tag "x" must be name=value',
    ],
    [
      new UnreachableError('cannot reach http://x: ECONNREFUSED'),
      ExitCode.UNREACHABLE,
      'error: cannot reach http://x: ECONNREFUSED',
    ],
    [new CommanderError(1, 'commander.unknownOption', 'unknown'), ExitCode.USAGE, ''],
    [new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), ExitCode.OK, ''],
    [new TypeError('boom'), ExitCode.API_ERROR, 'error: boom'],
  ])('maps %p', (error, code, message) => {
    expect(failureOf(error)).toEqual({ code, message });
  });

  it('has the documented codes', () => {
    expect([
      ExitCode.OK,
      ExitCode.API_ERROR,
      ExitCode.USAGE,
      ExitCode.UNREACHABLE,
      ExitCode.NOT_DELIVERED,
      ExitCode.TIMEOUT,
    ]).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
