/**
 * The one diagnostic table: code → severity, message template, hint. Split by phase into
 * one file per code range so each phase owns its rows:
 *   MOE1xxx syntax (lexer, parser, imports)   MOE2xxx schema (ajv)
 *   MOE3xxx semantic rules                    MOE4xxx IR and analysis (memory fit)
 *   MOE5xxx ONNX target                       MOE6xxx TensorFlow.js target and training
 *   MOE70xx–74xx the Hugging Face bridge      MOE75xx safetensors and HF checkpoint directories
 *   MOE8xxx Megatron-Core target
 *   MOE9xxx CLI and I/O (MOE91xx: special files, output safety, locks — io.ts)
 */
import { syntaxCodes } from './syntax.js';
import { schemaCodes } from './schema.js';
import { semanticCodes } from './semantic.js';
import { analysisCodes } from './analysis.js';
import { onnxCodes } from './onnx.js';
import { tfjsCodes } from './tfjs.js';
import { megatronCodes } from './megatron.js';
import { cliCodes } from './cli.js';
import { safetensorsCodes } from './safetensors.js';
import { ioCodes } from './io.js';
import { hfCodes } from './hf.js';

export const diagnosticTable = {
  ...syntaxCodes,
  ...schemaCodes,
  ...semanticCodes,
  ...analysisCodes,
  ...onnxCodes,
  ...tfjsCodes,
  ...megatronCodes,
  ...cliCodes,
  ...hfCodes,
  ...safetensorsCodes,
  ...ioCodes,
} as const;

export type DiagnosticCode = keyof typeof diagnosticTable;
