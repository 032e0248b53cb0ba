import type { Config } from '../../config/config.js';
import type { Services } from '../open-services.js';
import type { ToolResult } from './tool-contract.js';

/** What a tool works with: the services, bound as the calling administrator. */
export interface ToolContext {
  readonly config: Readonly<Config>;
  readonly services: Services;
}

/** One tool's work, after the params were checked and the administrator's credentials accepted. */
export type ToolHandler = (ctx: ToolContext, params: Readonly<Record<string, string>>) => Promise<ToolResult>;
