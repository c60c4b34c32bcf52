/** `moec compile` — definition only; the implementation is imported when the command runs. */
import { Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { formatOption, outputOption, wholeNumber } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';

export const defineCompile: DefineCommand = (program, wrap) => {
  program
    .command('compile')
    .description('compile a spec to an ONNX model (onnxruntime, Triton), a TensorFlow.js training graph, or a Megatron-Core launch')
    .argument('<spec>', 'spec file (.moe, .moe.json, .moe.yaml)')
    .addOption(new Option('-t, --target <target>', 'what to produce').choices(['onnx', 'tfjs', 'megatron']).default('onnx'))
    .addOption(outputOption('where to write (required, except that --target onnx may write only --triton): ONNX a model folder (dir/: config.json, tokenizer, onnx/model.onnx) or one file (*.onnx); tfjs and megatron a directory', 'path'))
    .option('--seed <n>', 'weight-init seed (default: the spec\'s train.seed); ignored with --weights')
    .option('--weights <dir>', 'take weights from a training run or checkpoint directory, or a Hugging Face model directory (config.json + safetensors), instead of initializing them')
    .option('--tokenizer <path>', "model folder (-o dir/): ship the model's own tokenizer (tokenizer.json or a Hugging Face model directory) instead of the byte-level one (default: train.tokenizer)")
    .option('--adapter <dir>', 'merge a LoRA adapter into the weights, W + (alpha/rank)·A·B: a `moec train` run with train.lora (without --weights: into the base it was trained on) or a PEFT adapter directory (with --weights)')
    .option('--quantize <scheme>', 'weight storage for this export, replacing the spec\'s quantize block: fp16, bf16, int8, int8-channel, int4-block32, or per group experts=int4,attention=int8 (docs/onnx.md)')
    .addOption(new Option('--moe <dispatch>', 'ONNX MoE lowering: sparse standard ops, dense-masked, or com.microsoft.MoE where it fits').choices(['sparse', 'dense', 'fused']).default('sparse'))
    .option('--variants <list>', 'ONNX folder: also write quantized variants, comma-separated: fp16, int8, q8, q4 (onnx/model_fp16.onnx, model_int8.onnx, model_quantized.onnx, model_q4.onnx)')
    .option('--triton <repo>', 'also write a Triton model repository: <repo>/<name>/config.pbtxt and <repo>/<name>/1/model.onnx')
    .option('--triton-max-batch <n>', 'Triton max_batch_size (default 8)', wholeNumber('--triton-max-batch'))
    .option('--triton-instances <n>', 'Triton instance count (default 1)', wholeNumber('--triton-instances'))
    .addOption(new Option('--triton-kind <kind>', 'Triton instance kind').choices(['cpu', 'gpu']).default('cpu'))
    .option('--external-data', 'store initializers in <model>.onnx_data files even when the model is under 2 GB')
    .option('--external-threshold <bytes>', 'with external data: initializers of at least this many bytes move out (default 1024)', wholeNumber('--external-threshold'))
    .option('--megatron <key=value>', 'megatron target: set a key of the spec\'s megatron block (nodes, gpus_per_node, data, tokenizer, ...); repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(formatOption(['pretty', 'json'], 'how to print diagnostics and the summary'))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  moec compile specs/tiny.moe --target onnx -o tiny/ --variants fp16,q4\n' +
        '  moec compile specs/tiny.moe --target onnx -o tiny.onnx\n' +
        '  moec compile specs/tiny.moe -o tiny.onnx --weights runs/tiny --triton models\n' +
        '  moec compile specs/tiny.moe -o tiny-int4.onnx --weights runs/tiny --quantize int4-block32\n' +
        '  moec compile tuned.moe -o tuned.onnx --weights runs/base --adapter runs/tuned\n' +
        '  moec import ~/models/Mixtral-8x7B-v0.1 -o mixtral.moe && moec compile mixtral.moe --weights ~/models/Mixtral-8x7B-v0.1 -o mixtral/ --quantize int4-block32\n' +
        '  moec compile specs/mixtral-8x7b.moe --target megatron -o launch/ --megatron data=/data/corpus_text_document\n' +
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
  target: 'onnx' | 'tfjs' | 'megatron';
  output?: string;
  variants?: string;
  seed?: string;
  weights?: string;
  adapter?: string;
  tokenizer?: string;
  quantize?: string;
  moe: 'sparse' | 'dense' | 'fused';
  triton?: string;
  tritonMaxBatch?: number;
  tritonInstances?: number;
  tritonKind: 'cpu' | 'gpu';
  externalData?: boolean;
  externalThreshold?: number;
  /** `--megatron key=value` settings (megatron target). */
  megatron: string[];
  format: 'pretty' | 'json';
}
