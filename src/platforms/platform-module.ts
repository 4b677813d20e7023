import type Router from '@koa/router';
import type { z } from 'zod';
import type { Deduper } from '../lib/dedupe.js';
import type { Logger } from '../lib/logger.js';
import type { Pacing } from '../lib/pacer.js';
import type { Metrics } from '../lib/metrics.js';
import type { ChatBindingService } from '../services/chat/chat-binding.service.js';
import type { ChatInteractionService } from '../services/chat/chat-interaction.service.js';
import type { Destination } from '../services/ports/capabilities.js';
import type { DestinationTypeInfo } from '../services/registry/type-info.js';

/** What an IM app says of itself; its fields are read from its config fragment. */
export type PlatformInfo = Omit<DestinationTypeInfo, 'fields'>;

/** What an IM app's inbound side (callbacks, commands, events) needs from the services. */
export interface InboundDeps {
  interactions: ChatInteractionService;
  bindings: ChatBindingService;
  deduper: Deduper;
}

/** A running IM app: its destination for the services, its inbound side, its life cycle. */
export interface PlatformModule {
  readonly name: string;
  readonly destination: Destination;
  /** Mounts the app's callback routes or prepares its connection, once the services exist and before the server listens. */
  connect(router: Router, deps: InboundDeps): void;
  /** After the server listens: opens outbound connections (Socket Mode …); must not wait for the platform to answer. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The environment variables an IM app reads, as a zod fragment of the one configuration schema (config/ stays the
 * only reader of process.env): `check` adds cross-field problems, `build` gives the app's config, or undefined when
 * the app is not configured.
 */
export interface PlatformConfigFragment<Shape extends z.ZodRawShape, Config> {
  env: Shape;
  check(values: z.infer<z.ZodObject<Shape>>, problem: (variable: keyof Shape & string, message: string) => void): void;
  build(values: z.infer<z.ZodObject<Shape>>): Config | undefined;
}

/** What an IM app counts: calls it held back to stay within the platform's rate limits. */
export type PlatformMetrics = Pick<Metrics, 'rateLimitHold'>;

/** One IM app: its name, what it is (type info), its config fragment, and how to build it. */
export interface PlatformDefinition<Name extends string, Shape extends z.ZodRawShape, Config> {
  name: Name;
  info: PlatformInfo;
  config: PlatformConfigFragment<Shape, Config>;
  /** `pacing` makes the app's rate-limit pacers (shared by the instances when Redis is configured). */
  create(config: Config, logger: Logger, metrics: PlatformMetrics, pacing: Pacing): Promise<PlatformModule>;
}
