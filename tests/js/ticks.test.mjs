// Unit tests of the live layers' tick maths (src/web/points.js): `node --test tests/js`.
// The layers draw the grid and the tick labels of the 2-D embedding and of the curves while a
// run trains; these are the values and labels they draw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ticks, label } from '../../src/web/points.js';

test('known axes get the round ticks a reader expects', () => {
    assert.deepEqual(ticks(0, 10, 5), { values: [0, 2, 4, 6, 8, 10], step: 2 });
    assert.deepEqual(ticks(-1.2, 1.2, 4), { values: [-1, 0, 1], step: 1 });
    assert.deepEqual(ticks(0, 1000, 4), { values: [0, 500, 1000], step: 500 });
    // A loss axis of a run that has barely started.
    assert.deepEqual(ticks(0, 2.5, 3).values.map(v => label(v, 1)), ['0', '1', '2']);
    const { values, step } = ticks(-0.3, 0.3, 6);
    assert.equal(step, 0.1);
    assert.deepEqual(values.map(v => label(v, step)),
        ['\u22120.3', '\u22120.2', '\u22120.1', '0.0', '0.1', '0.2', '0.3']);
});

test('labels have the decimals the step needs and a true minus sign', () => {
    assert.equal(label(0.30000000000000004, 0.1), '0.3');
    assert.equal(label(-2, 1), '\u22122');
    assert.equal(label(1500, 500), '1500');
    assert.equal(label(0.005, 0.005), '0.005');
    assert.equal(label(0.02, 0.01), '0.02');
});

test('an empty, inverted or non-finite axis has no ticks', () => {
    for (const [lo, hi] of [[1, 1], [2, 1], [NaN, 1], [0, Infinity], [-Infinity, 0]]) {
        assert.deepEqual(ticks(lo, hi, 5).values, [], `${lo}..${hi}`);
    }
});

// A naive reference: the candidate steps 1, 2, 5 × 10ⁿ in increasing order, the first at least
// span / count; then every integer multiple k of it with lo ≤ k·step ≤ hi, found by scanning k.
function naive(lo, hi, count) {
    const raw = (hi - lo) / count;
    let step;
    for (let n = -30; n <= 30 && step === undefined; n++) {
        for (const m of [1, 2, 5]) {
            const s = m * Math.pow(10, n);
            if (s >= raw * (1 - 1e-12)) { step = s; break; }
        }
    }
    const values = [];
    const first = Math.floor(lo / step) - 2, last = Math.ceil(hi / step) + 2;
    for (let k = first; k <= last; k++) {
        const v = k * step;
        const tol = step * 1e-9;
        if (v >= lo - tol && v <= hi + tol) values.push(v);
    }
    return { values, step };
}

test('random axes match the naive reference', () => {
    // A fixed linear congruential sequence: the same axes on every run.
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 2000; i++) {
        const scale = Math.pow(10, Math.floor(rand() * 12) - 6);
        const a = (rand() - 0.5) * 20 * scale, b = (rand() - 0.5) * 20 * scale;
        const lo = Math.min(a, b), hi = Math.max(a, b);
        if (!(hi > lo)) continue;
        const count = 2 + Math.floor(rand() * 10);
        const got = ticks(lo, hi, count), want = naive(lo, hi, count);
        const where = `ticks(${lo}, ${hi}, ${count})`;
        assert.ok(Math.abs(got.step - want.step) <= want.step * 1e-12, `${where}: step ${got.step} vs ${want.step}`);
        assert.equal(got.values.length, want.values.length, `${where}: ${got.values} vs ${want.values}`);
        got.values.forEach((v, j) => assert.ok(Math.abs(v - want.values[j]) <= want.step * 1e-9,
            `${where}: tick ${j} ${v} vs ${want.values[j]}`));
        // About `count` ticks: the step is at most 2.5 times span / count, and at least it.
        assert.ok(got.values.length <= count + 1 && got.values.length >= Math.floor(count / 2.5),
            `${where}: ${got.values.length} ticks`);
        // Distinct labels: a label never repeats along an axis.
        const labels = got.values.map(v => label(v, got.step));
        assert.equal(new Set(labels).size, labels.length, `${where}: ${labels}`);
    }
});
