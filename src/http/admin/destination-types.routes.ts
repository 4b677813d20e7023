import type Router from '@koa/router';
import type { DestinationTypeInfo } from '../../services/registry/type-info.js';

export type DestinationTypeView = DestinationTypeInfo & { enabled: boolean };

/** The kinds of destination this build knows, what each can do and which settings it takes (the console reads this). */
export function registerDestinationTypes(router: Router, types: DestinationTypeView[]): void {
  router.get('/destination-types', (ctx) => {
    ctx.body = { items: types };
  });
}
