import { expect } from 'vitest';
import { parseToolArgs } from '../../../src/cli/tools/parse-tool-args.js';
import type { ToolCaller, ToolName, ToolResult } from '../../../src/service/tools/tool-contract.js';
import { isToolName } from '../../../src/service/tools/tool-contract.js';
import { isOxprovError, type ErrorCode } from '../../../src/errors.js';

/**
 * Runs a command as the paper prints it (`./adduser --adminuser=mailadmin …`,
 * backslash line breaks allowed) through the CLI's own argument parser and
 * the service, so the params are exactly what the tool would send.
 */
export function paper(svc: ToolCaller, command: string): Promise<ToolResult> {
  const [cmd, ...argv] = command.replace(/\\\n/g, ' ').trim().split(/\s+/);
  const tool = cmd.replace(/^\.\//, '');
  if (!isToolName(tool)) throw new Error(`not a tool: ${tool}`);
  return svc.call(tool as ToolName, { ...parseToolArgs(tool, argv).params });
}

/** Expects the promise to fail with this OxprovError code; returns the error for further checks. */
export async function failsWith(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(isOxprovError(err) ? err.code : err).toBe(code);
  return err as Error;
}
