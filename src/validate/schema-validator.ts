/**
 * Validation phase: the ajv validator for modelSpecSchema — precompiled standalone code
 * (./generated/, written by generate-validator.ts), so no schema compile happens at startup.
 * Options: `allErrors` so one run reports every problem; strict numbers so NaN and Infinity
 * are not numbers.
 */
import type { ErrorObject } from 'ajv';
import { validate } from './generated/model-spec-validator.js';

export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export function getSchemaValidator(): SchemaValidator {
  return validate as SchemaValidator;
}

export type { ErrorObject };
