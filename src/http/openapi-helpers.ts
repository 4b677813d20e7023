import { z } from 'zod';

/** Building blocks of the OpenAPI document, shared by its parts. */

export const input = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

export const error = { $ref: '#/components/schemas/Error' };
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: object) => ({ content: { 'application/json': { schema } } });
export const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };

export const errors = {
  '400': { description: 'Validation failed; the message names the field', ...json(error) },
  '401': { description: 'Missing or wrong bearer token', ...json(error) },
  '429': { description: 'Too many wrong admin tokens from this address (or from all): refused, the right token too, until Retry-After', ...json(error) },
  '503': { description: 'The database or Redis does not answer (the message names it); try again after Retry-After', ...json(error) },
};
export const notFound = { '404': { description: 'No such resource', ...json(error) } };
