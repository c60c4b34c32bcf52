// Benchmark helper (plain JS: worker_threads load it without a TypeScript loader). `count`
// routed experts of one MoE layer, SwiGLU, one 2-D variable per projection as moec keeps them,
// and one training step over them: forward, then backward to the inputs and every weight,
// with the explicit-transpose matmul backward of src/lower/tfjs/matmul.ts.

/** Deterministic weights for experts first … first+count−1 (the same for any split). */
export function createExperts(tf, first, count, hidden, ffn) {
  const init = (shape, seed) => tf.randomNormal(shape, 0, 0.02, 'float32', seed);
  const experts = [];
  for (let e = first; e < first + count; e++) {
    experts.push([tf.variable(init([hidden, ffn], 3 * e + 1)), tf.variable(init([hidden, ffn], 3 * e + 2)), tf.variable(init([ffn, hidden], 3 * e + 3))]);
  }
  const matMul = tf.customGrad((x, w, save) => {
    save([x, w]);
    return { value: tf.matMul(x, w), gradFunc: (dy, [xs, ws]) => [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy)] };
  });
  const objective = (x, r, wg, wu, wd) => {
    const g = matMul(x, wg);
    return tf.sum(tf.mul(matMul(tf.mul(tf.mul(g, tf.sigmoid(g)), matMul(x, wu)), wd), r));
  };
  /** rows [count·capacity, hidden] in x and the upstream gradient r; dx written to out. */
  return function step(x, r, capacity, out) {
    const n = capacity * hidden;
    tf.tidy(() => {
      experts.forEach(([wg, wu, wd], i) => {
        const xi = tf.tensor2d(x.subarray(i * n, (i + 1) * n), [capacity, hidden]);
        const ri = tf.tensor2d(r.subarray(i * n, (i + 1) * n), [capacity, hidden]);
        const grads = tf.grads((a, b, c, d) => objective(a, ri, b, c, d))([xi, wg, wu, wd]);
        out.set(grads[0].dataSync(), i * n);
        for (const g of grads.slice(1)) g.dataSync();
      });
    });
  };
}
