import { describe, expect, it } from 'vitest';
import { createSchedule } from '../../src/train/schedule.js';

const opt = { type: 'adamw' as const, lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, momentum: 0.9 };

describe('learning-rate schedules', () => {
  it('warms up linearly, then follows a half cosine from lr to min_lr over decay_steps − warmup', () => {
    const lr = createSchedule({ optimizer: opt, schedule: { type: 'cosine', warmup: 10, minLr: 1e-4, decaySteps: 110 } });
    expect(lr(0)).toBeCloseTo(1e-4, 12);
    expect(lr(4)).toBeCloseTo(5e-4, 12);
    expect(lr(9)).toBeCloseTo(1e-3, 12);
    expect(lr(10)).toBeCloseTo(1e-3, 12);
    expect(lr(60)).toBeCloseTo(1e-4 + 0.9e-3 * 0.5, 12); // half way: cos(π/2) = 0
    expect(lr(110)).toBeCloseTo(1e-4, 12);
    expect(lr(500)).toBeCloseTo(1e-4, 12);
  });

  it('decays linearly and holds constant after warmup', () => {
    const lin = createSchedule({ optimizer: opt, schedule: { type: 'linear', warmup: 0, minLr: 0, decaySteps: 100 } });
    expect(lin(0)).toBeCloseTo(1e-3, 12);
    expect(lin(25)).toBeCloseTo(0.75e-3, 12);
    expect(lin(100)).toBe(0);
    const constant = createSchedule({ optimizer: opt, schedule: { type: 'constant', warmup: 4, minLr: 1e-3, decaySteps: 100 } });
    expect(constant(1)).toBeCloseTo(0.5e-3, 12);
    expect(constant(99)).toBe(1e-3);
  });
});
