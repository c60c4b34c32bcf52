/**
 * Megatron-Core target — what the pinned flag table records about one Megatron-LM argument:
 * the argparse facts the emitter must respect (a `store_true` flag takes no value, an `int`
 * rejects `1e4`, `choices` are closed) and where the flag is defined.
 */
export interface FlagSpec {
  /** argparse action: `store` takes values; `store_true` / `store_false` are bare switches. */
  readonly action: 'store' | 'store_true' | 'store_false';
  /** How argparse converts a value (`pattern`: Megatron's list expression, e.g. `[0]*3+[1]*58`; `tuple`: `a,b`). */
  readonly type?: 'int' | 'float' | 'str' | 'pattern' | 'tuple';
  readonly choices?: readonly (string | number)[];
  /** `+` / `*`: the flag takes a list of values. */
  readonly nargs?: '+' | '*';
  /** Megatron's default when the flag is absent (null: none). */
  readonly default: string | number | boolean | null;
  /** `path:line` in Megatron-LM at the pinned tag: the add_argument call, or the config dataclass field it is generated from. */
  readonly source: string;
}
