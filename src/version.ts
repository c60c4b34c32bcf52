/** moec's version, recorded in artifacts (ONNX metadata, checkpoints). Keep in step with package.json. */
export const VERSION = '0.1.0';
