import type { Logger } from '../lib/logger.js';
import { localPacing, type Pacing } from '../lib/pacer.js';
import { z } from 'zod';
import { describeFields, type DestinationTypeInfo } from '../services/registry/type-info.js';
import { dingtalkPlatform } from './dingtalk/dingtalk.module.js';
import { feishuPlatform } from './feishu/feishu.module.js';
import type { PlatformDefinition, PlatformMetrics, PlatformModule } from './platform-module.js';
import { slackPlatform } from './slack/slack.module.js';

/** Every IM app the service knows. Adding an IM: its folder, and one line here. */
export const PLATFORMS = [feishuPlatform, slackPlatform, dingtalkPlatform] as const;

type Definition = (typeof PLATFORMS)[number];

/** Each configured app's settings under its name (`feishu`, `slack` …); an app without settings is off. */
export type PlatformConfigs = {
  [D in Definition as D['name']]?: D extends { create(config: infer C, ...rest: any[]): Promise<PlatformModule> } ? C : never;
};

/** The apps that are configured, built (not yet connected or started). */
export async function buildPlatformModules(configs: PlatformConfigs, logger: Logger, metrics: PlatformMetrics, pacing: Pacing = localPacing): Promise<PlatformModule[]> {
  const modules: PlatformModule[] = [];
  for (const definition of PLATFORMS) {
    const config = configs[definition.name];
    // Each definition takes the config built by its own fragment; TypeScript can't pair them through the union.
    if (config) modules.push(await (definition.create as PlatformDefinition<string, z.ZodRawShape, unknown>['create'])(config, logger, metrics, pacing));
  }
  return modules;
}

/** What every known IM app is and can do, and whether this instance has it configured (admin API, console). */
export function describePlatforms(enabled: PlatformModule[]): Array<DestinationTypeInfo & { enabled: boolean }> {
  return PLATFORMS.map((definition) => ({
    ...definition.info,
    fields: describeFields(z.object(definition.config.env)),
    enabled: enabled.some((module) => module.name === definition.name),
  }));
}
