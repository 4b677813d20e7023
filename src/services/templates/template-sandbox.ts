import { Liquid, type Template } from 'liquidjs';
import { TEMPLATE_SOURCE_CHARS } from '../../domain/message-template.js';

/**
 * What one render may cost. Liquid checks time and allocations while it renders, so a template that loops over a
 * huge range, nests loops or doubles a string stops at these instead of stalling the process.
 */
export const TEMPLATE_LIMITS = {
  /** Wall time of one render (wall time: a busy machine counts too, hence the margin over the ~0.05 ms a message takes). */
  renderMs: 100,
  /** Liquid's allocation count (characters of strings built, array items …). */
  memory: 2_000_000,
  /** Characters the output may have. */
  outputChars: 50_000,
} as const;

/** Where in the source something went wrong (1-based), when Liquid knows it. */
export interface TemplatePosition {
  line?: number;
  column?: number;
}

/** A template's source that does not parse: refused when saved, with its line. */
export class TemplateSyntaxError extends Error implements TemplatePosition {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

/** A render that failed: an unknown variable, a missing partial, a limit exceeded, markup the platform refuses. */
export class TemplateRenderError extends Error implements TemplatePosition {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
    /** Stopped by a limit (time, memory, output size) rather than by an error in the template. */
    readonly overLimit = false,
  ) {
    super(message);
    this.name = 'TemplateRenderError';
  }
}

/** How one render writes values: the destination's escaping, and the values that may go out unescaped with `raw`. */
export interface RenderMarkup {
  escape(text: string): string;
  /** Our own values (ids, URLs, times …): `{{ x | raw }}` writes them as they are; any other value is escaped anyway. */
  trusted: ReadonlySet<string>;
}

const PARSED_KEPT = 500;

function written(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(written).join('');
  return String(value);
}

/** Liquid's messages end with ", line:2, col:12"; the position comes from its token when it has one. */
function position(error: unknown): { message: string; line?: number; column?: number } {
  const message = error instanceof Error ? error.message : String(error);
  const found = /,? line:(\d+), col:(\d+)/.exec(message);
  const plain = message.replace(/,? line:\d+, col:\d+/, '').replace(/\s+/g, ' ').trim();
  if (error instanceof RangeError) return { message: 'the template is nested too deeply' };
  return found ? { message: plain, line: Number(found[1]), column: Number(found[2]) } : { message: plain };
}

/**
 * LiquidJS set up so that what an admin saves can't reach the process: no file system (an include or render of any
 * name fails), filters and variables strict (a typo fails instead of printing nothing; `a.constructor` is an unknown
 * variable), own properties only, every output escaped for where it lands, and every render bounded (TEMPLATE_LIMITS).
 */
export class TemplateSandbox {
  private readonly engine: Liquid;
  /** The markup of each render under way, found from the render's scope object (outputEscape has no other handle). */
  private readonly markups = new WeakMap<object, RenderMarkup>();
  private readonly parsed = new Map<string, Template[]>();

  constructor() {
    const markups = this.markups;
    const markupOf = (scope: object): RenderMarkup => {
      const markup = markups.get(scope);
      if (!markup) throw new Error('render without markup');
      return markup;
    };
    this.engine = new Liquid({
      // An empty in-memory set of files: `{% include %}`, `{% render %}` and `{% layout %}` find nothing, anywhere.
      templates: {},
      strictFilters: true,
      strictVariables: true,
      lenientIf: true,
      ownPropertyOnly: true,
      parseLimit: TEMPLATE_SOURCE_CHARS,
      renderLimit: TEMPLATE_LIMITS.renderMs,
      memoryLimit: TEMPLATE_LIMITS.memory,
      outputEscape(this: { context: { environments: object } }, value: unknown) {
        return markupOf(this.context.environments).escape(written(value));
      },
    });
    this.engine.registerFilter('raw', {
      raw: true,
      handler(this: { context: { environments: object } }, value: unknown) {
        const markup = markupOf(this.context.environments);
        const text = written(value);
        return markup.trusted.has(text) ? text : markup.escape(text);
      },
    });
  }

  /** Parses `source` (kept for the next render of the same source); a TemplateSyntaxError with the line when it can't. */
  parse(source: string): Template[] {
    const kept = this.parsed.get(source);
    if (kept) return kept;
    if (source.length > TEMPLATE_SOURCE_CHARS) throw new TemplateSyntaxError(`the template is longer than ${TEMPLATE_SOURCE_CHARS} characters`);
    let templates: Template[];
    try {
      templates = this.engine.parse(source);
    } catch (error) {
      const where = position(error);
      throw new TemplateSyntaxError(where.message, where.line, where.column);
    }
    if (this.parsed.size >= PARSED_KEPT) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(source, templates);
    return templates;
  }

  /** Renders `source` with `variables`, values escaped by `markup`; throws a TemplateSyntaxError or TemplateRenderError. */
  render(source: string, variables: Record<string, unknown>, markup: RenderMarkup): string {
    const templates = this.parse(source);
    // A scope object of this render's own: the key under which outputEscape finds its markup.
    const scope = { ...variables };
    this.markups.set(scope, markup);
    let output: string;
    try {
      output = this.engine.renderSync(templates, scope, { renderLimit: TEMPLATE_LIMITS.renderMs, memoryLimit: TEMPLATE_LIMITS.memory }) as string;
    } catch (error) {
      const where = position(error);
      throw new TemplateRenderError(where.message, where.line, where.column, /limit exceeded/.test(where.message));
    }
    if (output.length > TEMPLATE_LIMITS.outputChars) throw new TemplateRenderError(`the output is longer than ${TEMPLATE_LIMITS.outputChars} characters`, undefined, undefined, true);
    return output;
  }
}
