import type Router from '@koa/router';
import type { Integration } from '../db/entities/integration.entity.js';
import { AppError } from '../lib/errors.js';
import type { SourceDeps, SourceType } from './source-type.js';
import { describeSourceType, secretFlagName, type SourceTypeInfo } from './source-type-info.js';

interface Registered {
  source: SourceType;
  info: SourceTypeInfo;
  secrets: Set<string>;
}

/** The integration types this service accepts, by name; http mounts what they declare and shows what they allow. */
export class SourceRegistry {
  private readonly types = new Map<string, Registered>();

  constructor(
    sources: SourceType[],
    /** The type of an integration created without one. */
    readonly defaultType: string,
  ) {
    for (const source of sources) {
      if (this.types.has(source.name)) throw new Error(`integration type ${source.name} registered twice`);
      const info = describeSourceType(source);
      this.types.set(source.name, { source, info, secrets: new Set(info.fields.filter((field) => field.secret).map((field) => field.name)) });
    }
    if (!this.types.has(defaultType)) throw new Error(`default integration type ${defaultType} is not registered`);
  }

  names(): string[] {
    return [...this.types.keys()];
  }

  list(): SourceType[] {
    return [...this.types.values()].map((registered) => registered.source);
  }

  info(): SourceTypeInfo[] {
    return [...this.types.values()].map((registered) => registered.info);
  }

  /** The named type; a missing name means the default, anything unknown is a 400 naming the known ones. */
  resolve(name: unknown): SourceType {
    if (name === undefined) return this.types.get(this.defaultType)!.source;
    const registered = typeof name === 'string' ? this.types.get(name) : undefined;
    if (!registered) throw new AppError('validation', `type: unknown integration type ${JSON.stringify(name)}; known types: ${this.names().join(', ')}`);
    return registered.source;
  }

  mountRoutes(router: Router, deps: SourceDeps): void {
    for (const { source } of this.types.values()) {
      if (source.receiver.kind === 'http') source.receiver.mount(router, deps);
    }
  }

  reportsHealth(type: string): boolean {
    return this.types.get(type)?.source.reportsHealth === true;
  }

  /** Starts the types that fetch their alerts (mailboxes); resolves to how to stop them all. */
  async startPolling(deps: SourceDeps): Promise<{ stop(): Promise<void> }> {
    const running: Array<{ stop(): Promise<void> }> = [];
    for (const { source } of this.types.values()) {
      if (source.receiver.kind === 'poll') running.push(await source.receiver.start(deps));
    }
    return { stop: async () => void (await Promise.all(running.map((receiver) => receiver.stop()))) };
  }

  /**
   * The integration's settings as the admin API may show them: secrets replaced by `has<Name>`, plus where its alerts
   * go. An integration of a type no longer registered shows no settings at all rather than risk showing a secret.
   */
  shownSettings(integration: Integration, publicBaseUrl: string): Record<string, unknown> {
    const registered = this.types.get(integration.type);
    if (!registered) return {};
    const shown: Record<string, unknown> = {};
    for (const field of registered.info.fields) {
      const value = integration.settings[field.name] ?? null;
      if (registered.secrets.has(field.name)) shown[secretFlagName(field.name)] = value !== null;
      else shown[field.name] = value;
    }
    shown[registered.source.address.field] = registered.source.address.of(integration, publicBaseUrl);
    return shown;
  }
}
