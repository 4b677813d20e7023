import type { Capabilities, CapabilityName, Destination } from '../ports/capabilities.js';

export interface WithCapability<C extends CapabilityName> {
  name: string;
  capability: Capabilities[C];
}

/**
 * The destinations this instance can reach, found by name or by capability. Services ask it instead of knowing
 * which platforms exist.
 */
export class DestinationRegistry {
  private readonly destinations = new Map<string, Destination>();

  constructor(destinations: Destination[] = []) {
    for (const destination of destinations) this.register(destination);
  }

  register(destination: Destination): void {
    if (this.destinations.has(destination.name)) throw new Error(`destination ${destination.name} registered twice`);
    this.destinations.set(destination.name, destination);
  }

  names(): string[] {
    return [...this.destinations.keys()];
  }

  /** The destination's capability, or undefined when there is no such destination or it cannot do that. */
  capability<C extends CapabilityName>(name: string, capability: C): Capabilities[C] | undefined {
    return this.destinations.get(name)?.capabilities[capability] as Capabilities[C] | undefined;
  }

  /** Every destination that has the capability, in registration order. */
  with<C extends CapabilityName>(capability: C): Array<WithCapability<C>> {
    const found: Array<WithCapability<C>> = [];
    for (const destination of this.destinations.values()) {
      const provided = destination.capabilities[capability] as Capabilities[C] | undefined;
      if (provided) found.push({ name: destination.name, capability: provided });
    }
    return found;
  }
}
