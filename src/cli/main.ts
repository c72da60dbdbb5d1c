#!/usr/bin/env node
import { runCli } from './cli';

// runCli never rejects: every failure is already an exit code and a line on stderr.
void runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
}).then((code) => {
  process.exitCode = code;
});
