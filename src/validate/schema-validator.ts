/**
 * Validation phase: the compiled ajv validator for modelSpecSchema, built once on first use.
 * `allErrors` so one run reports every problem; strict mode so NaN / Infinity are not numbers.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { modelSpecSchema } from './schema.js';

export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

let compiled: SchemaValidator | undefined;

export function createAjv() {
  return new Ajv({ allErrors: true, strict: true, strictTypes: false, strictNumbers: true });
}

export function getSchemaValidator(): SchemaValidator {
  compiled ??= createAjv().compile(modelSpecSchema) as SchemaValidator;
  return compiled;
}

export type { ErrorObject };
