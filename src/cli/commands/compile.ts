/** `moec compile` — definition only; the implementation is imported when the command runs. */
import { Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { formatOption, outputOption, wholeNumber } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';

export const defineCompile: DefineCommand = (program, wrap) => {
  program
    .command('compile')
    .description('compile a spec to an ONNX model (onnxruntime, Triton) or a TensorFlow.js training graph')
    .argument('<spec>', 'spec file (.moe, .moe.json, .moe.yaml)')
    .addOption(new Option('-t, --target <target>', 'what to produce').choices(['onnx', 'tfjs']).default('onnx'))
    .addOption(outputOption('the file to write (required, except that --target onnx may write only --triton)'))
    .option('--seed <n>', 'weight-init seed (default: the spec\'s train.seed); ignored with --weights')
    .option('--weights <dir>', 'take weights from a training run or checkpoint directory instead of initializing them')
    .addOption(new Option('--moe <dispatch>', 'ONNX MoE lowering: sparse standard ops, dense-masked, or com.microsoft.MoE where it fits').choices(['sparse', 'dense', 'fused']).default('sparse'))
    .option('--triton <repo>', 'also write a Triton model repository: <repo>/<name>/config.pbtxt and <repo>/<name>/1/model.onnx')
    .option('--triton-max-batch <n>', 'Triton max_batch_size (default 8)', wholeNumber('--triton-max-batch'))
    .option('--triton-instances <n>', 'Triton instance count (default 1)', wholeNumber('--triton-instances'))
    .addOption(new Option('--triton-kind <kind>', 'Triton instance kind').choices(['cpu', 'gpu']).default('cpu'))
    .option('--external-data', 'store initializers in <model>.onnx.data files even when the model is under 2 GB')
    .option('--external-threshold <bytes>', 'with external data: initializers of at least this many bytes move out (default 1024)', wholeNumber('--external-threshold'))
    .addOption(formatOption(['pretty', 'json'], 'how to print diagnostics and the summary'))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  moec compile specs/tiny.moe --target onnx -o tiny.onnx\n' +
        '  moec compile specs/tiny.moe -o tiny.onnx --weights runs/tiny --triton models\n' +
        exitCodesHelp({ 0: 'written', 1: 'the spec has errors or the target cannot lower it (nothing written)' }),
    )
    .action(
      wrap(async (spec: string, options: CompileOptions) => {
        const { runCompile } = await import('../compile/run-compile.js');
        return runCompile(spec, options);
      }),
    );
};

export interface CompileOptions {
  target: 'onnx' | 'tfjs';
  output?: string;
  seed?: string;
  weights?: string;
  moe: 'sparse' | 'dense' | 'fused';
  triton?: string;
  tritonMaxBatch?: number;
  tritonInstances?: number;
  tritonKind: 'cpu' | 'gpu';
  externalData?: boolean;
  externalThreshold?: number;
  format: 'pretty' | 'json';
}
