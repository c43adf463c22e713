// The live layers of the embedding plot and the curves (see `plot.rs`): while a run trains, the class
// points and the loss's geometry are drawn here instead of by plotly.js, which keeps the axes,
// the legend and the camera. plotly.js redrawing a 10,000-point 3-D scatter costs a few hundred
// milliseconds a frame in software rendering; a whole update through this layer took 16–21 ms
// (the plot-rate browser test, `panels_measure_plot_rate_and_metrics_cost`).
//
// 3-D: a canvas over plotly's WebGL scene, drawn with the scene's camera (an object in the scene
//      tells it the camera whenever the scene renders: on camera moves); near points cover far
//      ones, the geometry is drawn over the points, and plotly's axes lie beneath them all.
// 2-D: a canvas between plotly's plot and its legend layer, mapped through plotly's axes and
//      redrawn when the user zooms, pans or toggles a class in the legend; it also draws the
//      decision regions beneath the points, and the grid and tick labels.
// plotly's axes span [-1, 1] while the layer draws, whatever the embedding's scale: a new
// range would make plotly redraw its axes (see `plot.rs`); the layer divides by the radius.
//
// The training curves have a layer of the same kind (a 2-D canvas, `curves_show`): plotly's
// axes span [0, 1] and the layer draws the lines, the grid and the tick labels, whatever the
// run's length and the loss's range.
//
// Nothing here runs at import: the module is also loaded by the training worker.

const KEY = '__embeddingPoints';

// Whether class `k` is shown (its trace, the k-th of a live figure, not switched off in the
// legend).
function visible(root, k) {
    const t = root._fullData && root._fullData[k];
    return !t || t.visible === true;
}

function state(root) {
    if (!root[KEY]) {
        root[KEY] = { data: null, gl: null, canvas: null, pixels: null, listening: false };
    }
    return root[KEY];
}

// ---- 3-D: a canvas over plotly's WebGL scene, drawn with the scene's camera ----
//
// The points are not drawn by WebGL: where the browser composites in software (no GPU, or one
// it does not trust), every new WebGL frame is read back in the main thread's commit, which
// waits for the whole scene to be rendered first (one such wait took 154 of a 172 ms task in a
// Chrome trace, `TRACE=… node tests/e2e/plot-tasks.mjs`). Here the points go into a 2-D
// canvas's pixels and plotly's scene is left alone while a run trains; only a camera move
// renders it. An object in the scene (gl-plot3d's object protocol: `draw`, `isOpaque`,
// `isTransparent`, `dispose`) draws nothing: it is called with the camera whenever the scene
// renders, and redraws the canvas then.

// The product a·b of two 4×4 matrices in WebGL's column-major order.
function mul(a, b) {
    const o = new Float32Array(16);
    for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
            let s = 0;
            for (let k = 0; k < 4; k++) s += a[k * 4 + j] * b[i * 4 + k];
            o[i * 4 + j] = s;
        }
    }
    return o;
}

function cameraProbe(scene, root, st) {
    const glplot = scene.glplot;
    const obj = {
        glplot,
        scene,
        // The camera of the scene's last render: { model, view, projection }.
        camera: null,
        pickSlots: 0,
        // plotly.js orders the scene's objects by their trace's index: ours goes last.
        _trace: { data: { index: Number.MAX_SAFE_INTEGER } },
        draw(camera) {
            obj.camera = { model: Float32Array.from(camera.model), view: Float32Array.from(camera.view),
                projection: Float32Array.from(camera.projection) };
            if (st.gl === obj && st.data) st.drawn = paint3d(root, st);
        },
        isOpaque() { return true; },
        isTransparent() { return false; },
        dispose() {},
    };
    glplot.add(obj);
    return obj;
}

// The screen position of view coordinates (plotly's axes span [-1, 1]; `scale` maps them to the
// scene's units) through the camera `m` (projection·view·model), in pixels of a `w` × `h`
// canvas, and the depth (-1 near, 1 far): written to `out`; false where WebGL would clip it.
function project(m, scale, x, y, z, w, h, out) {
    x *= scale[0]; y *= scale[1]; z *= scale[2];
    const cw = m[3] * x + m[7] * y + m[11] * z + m[15];
    if (!(cw > 0)) return false;
    const nx = (m[0] * x + m[4] * y + m[8] * z + m[12]) / cw;
    const ny = (m[1] * x + m[5] * y + m[9] * z + m[13]) / cw;
    const nz = (m[2] * x + m[6] * y + m[10] * z + m[14]) / cw;
    if (!(Math.abs(nx) <= 1 && Math.abs(ny) <= 1 && Math.abs(nz) <= 1)) return false;
    out[0] = (nx + 1) * w / 2;
    out[1] = (1 - ny) * h / 2;
    out[2] = nz;
    return true;
}

// A colour `#rrggbb` as an opaque pixel of a Uint32Array view of ImageData (little-endian:
// red in the low byte).
function pixel(hex) {
    const n = parseInt(String(hex).replace('#', '').slice(0, 6), 16) || 0;
    return ((255 << 24) | ((n & 255) << 16) | (n & 0xff00) | ((n >> 16) & 255)) >>> 0;
}

// Redraws the 3-D layer with the camera of the scene's last render; returns the class points
// drawn (of the classes the legend shows). The points are squares written straight into the
// canvas's pixels with a depth buffer, as WebGL would draw them: no path for the canvas to
// rasterise, and near points cover far ones.
function paint3d(root, st) {
    const obj = st.gl, cam = obj.camera, d = st.data;
    const glc = obj.glplot.canvas;
    if (!cam || !glc || !glc.parentNode) return 0;
    const w = glc.clientWidth, h = glc.clientHeight;
    const ctx = layerCanvas(st, glc.parentNode, glc.nextSibling, glc.offsetLeft, glc.offsetTop, w, h);
    const m = mul(cam.projection, mul(cam.view, cam.model));
    const scale = (obj.scene.dataScale || [1, 1, 1]).map(v => v / d.radius);
    // Device pixels, in an ImageData kept between paints, cleared.
    const W = ctx.canvas.width, H = ctx.canvas.height;
    let buf = st.pixels;
    if (!buf || buf.image.width !== W || buf.image.height !== H) {
        const image = ctx.createImageData(W, H);
        buf = st.pixels = { image, rgba: new Uint32Array(image.data.buffer), depth: new Float32Array(W * H) };
    }
    const { rgba, depth } = buf;
    rgba.fill(0);
    depth.fill(Infinity);
    const size = Math.max(1, Math.round(d.size * (W / Math.max(w, 1))));
    const at3 = new Float32Array(3);
    let at = 0, drawn = 0;
    for (let k = 0; k < d.lengths.length; k++) {
        const len = d.lengths[k];
        const x = at, y = at + len, z = at + 2 * len;
        at += 3 * len;
        if (!visible(root, k)) continue;
        drawn += len;
        const colour = pixel(d.colors[k]);
        for (let i = 0; i < len; i++) {
            if (!project(m, scale, d.coords[x + i], d.coords[y + i], d.coords[z + i], W, H, at3)) continue;
            const x0 = Math.round(at3[0] - size / 2), y0 = Math.round(at3[1] - size / 2), near = at3[2];
            const xa = Math.max(0, x0), xb = Math.min(W, x0 + size);
            const ya = Math.max(0, y0), yb = Math.min(H, y0 + size);
            for (let py = ya; py < yb; py++) {
                for (let p = py * W + xa, end = py * W + xb; p < end; p++) {
                    if (near < depth[p]) {
                        depth[p] = near;
                        rgba[p] = colour;
                    }
                }
            }
        }
    }
    ctx.putImageData(buf.image, 0, 0);
    // The geometry over the points: line segments (null breaks them) and diamonds.
    const ok = (o, i) => o.x[i] != null && o.y[i] != null && o.z[i] != null
        && project(m, scale, o.x[i], o.y[i], o.z[i], w, h, at3);
    d.overlays.forEach(o => {
        if (o.style === 'line') {
            ctx.lineWidth = 1;
            ctx.strokeStyle = o.colors[0];
            ctx.beginPath();
            let open = false;
            for (let i = 0; i < o.x.length; i++) {
                if (!ok(o, i)) { open = false; continue; }
                if (open) ctx.lineTo(at3[0], at3[1]); else { ctx.moveTo(at3[0], at3[1]); open = true; }
            }
            ctx.stroke();
        } else if (o.style === 'markers') {
            for (let i = 0; i < o.x.length; i++) {
                if (ok(o, i)) diamond(ctx, at3[0], at3[1], 5.5, o.colors[i] || o.colors[0]);
            }
        }
    });
    return drawn;
}

function show3d(root, st) {
    const scene = root._fullLayout && root._fullLayout.scene && root._fullLayout.scene._scene;
    if (!scene || !scene.glplot) return 0;
    if (st.gl && st.gl.glplot !== scene.glplot) st.gl = null; // a new scene: plotly disposed ours
    if (!st.gl) st.gl = cameraProbe(scene, root, st);
    if (st.gl.camera) return paint3d(root, st);
    // The scene renders once, at once, to show the probe its camera (which paints the layer);
    // from then on only a camera move renders it.
    st.drawn = 0;
    st.gl.glplot.redraw();
    return st.drawn;
}

// A diamond of half-diagonal `h` with a black outline at (x, y): the geometry's markers, as
// plotly draws them.
function diamond(ctx, x, y, h, color) {
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = '#000000';
    ctx.beginPath();
    ctx.moveTo(x, y - h); ctx.lineTo(x + h, y); ctx.lineTo(x, y + h); ctx.lineTo(x - h, y);
    ctx.closePath();
    ctx.fillStyle = color;
    ctx.fill();
    ctx.stroke();
}

// ---- 2-D: a canvas over plotly's plot, under its legend ----

// Round tick values (1, 2 or 5 × 10ⁿ apart) between lo and hi, about `count` of them: the
// smallest such step at least (hi − lo) / count, and every multiple of it in [lo, hi].
// (Exported for its unit test, tests/js.)
export function ticks(lo, hi, count) {
    const span = hi - lo;
    if (!(span > 0) || !Number.isFinite(span)) return { values: [], step: 1 };
    const raw = span / Math.max(count, 1);
    const decade = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(m => m * decade).find(v => v >= raw) || 10 * decade;
    const values = [];
    // Multiples, not a running sum: no rounding error piles up along the axis.
    for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
        values.push(k === 0 ? 0 : k * step);
    }
    return { values, step };
}

// Tick value v as a label: as many decimals as the step needs, a true minus sign.
export function label(v, step) {
    const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    return v.toFixed(digits).replace('-', '\u2212');
}

// The grid, zero lines and tick labels of plotly's 2-D axes, which span the view's units while
// a layer draws, in the data's units: `from[0]` (x) and `from[1]` (y) map a view value to the
// data's, `to[0]` and `to[1]` back.
function grid2d(ctx, fl, from, to) {
    const xa = fl.xaxis, ya = fl.yaxis;
    const color = (fl.font && fl.font.color) || '#444444';
    const size = (fl.font && fl.font.size) || 12;
    ctx.font = `${size}px ${(fl.font && fl.font.family) || 'sans-serif'}`;
    ctx.fillStyle = color;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1;
    const axis = (a, horizontal, i) => {
        const [lo, hi] = a.range.map(from[i]);
        const { values, step } = ticks(Math.min(lo, hi), Math.max(lo, hi), Math.max(2, Math.round(a._length / 60)));
        for (const v of values) {
            const p = a._offset + a.l2p(to[i](v));
            if (!Number.isFinite(p)) continue;
            ctx.globalAlpha = v === 0 ? 0.75 : 0.12;
            ctx.beginPath();
            if (horizontal) {
                ctx.moveTo(p, ya._offset);
                ctx.lineTo(p, ya._offset + ya._length);
            } else {
                ctx.moveTo(xa._offset, p);
                ctx.lineTo(xa._offset + xa._length, p);
            }
            ctx.stroke();
            ctx.globalAlpha = 1;
            if (horizontal) {
                ctx.textAlign = 'center';
                ctx.textBaseline = 'top';
                ctx.fillText(label(v, step), p, ya._offset + ya._length + 4);
            } else {
                ctx.textAlign = 'right';
                ctx.textBaseline = 'middle';
                ctx.fillText(label(v, step), xa._offset - 4, p);
            }
        }
    };
    axis(xa, true, 0);
    axis(ya, false, 1);
}

// Saves `ctx` and clips it to the plot area of plotly's axes `xa`, `ya` (undo with restore).
function clipToPlot(ctx, xa, ya) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(xa._offset, ya._offset, xa._length, ya._length);
    ctx.clip();
}

// The layer's canvas (`st.canvas`, class `point-layer`) in `parent` before `next`, at (`left`,
// `top`), `w` × `h` CSS pixels, cleared; its context draws in CSS pixels.
function layerCanvas(st, parent, next, left, top, w, h) {
    let c = st.canvas;
    if (!c || c.parentNode !== parent) {
        if (c) c.remove();
        c = document.createElement('canvas');
        c.className = 'point-layer';
        c.setAttribute('aria-hidden', 'true');
        c.style.cssText = 'position:absolute;pointer-events:none';
        parent.insertBefore(c, next);
        st.canvas = c;
    }
    c.style.left = left + 'px';
    c.style.top = top + 'px';
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
        c.width = Math.round(w * dpr);
        c.height = Math.round(h * dpr);
        c.style.width = w + 'px';
        c.style.height = h + 'px';
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return ctx;
}

// The layer's canvas of a 2-D plot (between plotly's plot and its legend), sized to the plot
// and cleared. None while plotly has not laid the plot out.
function canvas2d(root, st) {
    const fl = root._fullLayout;
    const container = root.querySelector('.svg-container');
    const paper = container && container.querySelector('.main-svg');
    if (!fl || !fl.xaxis || !fl.yaxis || !paper) return null;
    return layerCanvas(st, container, paper.nextSibling, 0, 0, fl.width, fl.height);
}

function show2d(root, st) {
    const ctx = canvas2d(root, st);
    if (!ctx) return 0;
    const fl = root._fullLayout;
    const xa = fl.xaxis, ya = fl.yaxis;
    const d = st.data;
    const unit = 1 / d.radius;
    // Embedding coordinates to the page's pixels.
    const X = v => xa._offset + xa.l2p(v * unit);
    const Y = v => ya._offset + ya.l2p(v * unit);
    clipToPlot(ctx, xa, ya);
    // Beneath the points: the decision regions, as plotly fills them.
    d.regions.forEach(o => {
        polyline(ctx, o, X, Y);
        ctx.globalAlpha = 0x26 / 255;
        ctx.fillStyle = o.colors[0];
        ctx.fill();
        ctx.globalAlpha = 1;
    });
    ctx.restore();
    const scaled = [u => u * d.radius, u => u * d.radius], back = [v => v * unit, v => v * unit];
    grid2d(ctx, fl, scaled, back);
    clipToPlot(ctx, xa, ya);
    const r = d.size / 2;
    let at = 0, n = 0;
    for (let k = 0; k < d.lengths.length; k++) {
        const len = d.lengths[k];
        const x = at, y = at + len;
        at += 2 * len;
        if (!visible(root, k)) continue;
        ctx.fillStyle = d.colors[k];
        ctx.beginPath();
        for (let i = 0; i < len; i++) {
            const px = X(d.coords[x + i]);
            const py = Y(d.coords[y + i]);
            if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
            ctx.moveTo(px + r, py);
            ctx.arc(px, py, r, 0, 2 * Math.PI);
        }
        ctx.fill();
        n += len;
    }
    // The geometry over the points, as plotly draws it: wedges, dashed lines, diamonds.
    const ok = (o, i) => o.x[i] != null && o.y[i] != null;
    d.overlays.forEach(o => {
        if (o.style === 'fill' || o.style === 'line') {
            polyline(ctx, o, X, Y);
            if (o.style === 'fill') {
                ctx.globalAlpha = 0x38 / 255;
                ctx.fillStyle = o.colors[0];
                ctx.fill();
                ctx.globalAlpha = 1;
            } else {
                ctx.setLineDash([6, 4]);
                ctx.lineWidth = 1.5;
                ctx.strokeStyle = o.colors[0];
                ctx.stroke();
                ctx.setLineDash([]);
            }
        } else if (o.style === 'markers') {
            for (let i = 0; i < o.x.length; i++) {
                if (ok(o, i)) diamond(ctx, X(o.x[i]), Y(o.y[i]), 6.5, o.colors[i] || o.colors[0]);
            }
        }
    });
    ctx.restore();
    return n;
}

// The path of overlay `o` (null breaks it) on `ctx`, through the pixel maps X and Y.
function polyline(ctx, o, X, Y) {
    ctx.beginPath();
    let open = false;
    for (let i = 0; i < o.x.length; i++) {
        if (o.x[i] == null || o.y[i] == null) { open = false; continue; }
        const x = X(o.x[i]), y = Y(o.y[i]);
        if (open) ctx.lineTo(x, y); else { ctx.moveTo(x, y); open = true; }
    }
}

// ---- Curves: lines on a canvas over a plotly line chart ----

// The curves of `st.data` (kind 'curves') over plotly's axes, which span [0, 1] while the layer
// draws: the layer maps the data's ranges onto them and draws the grid and the tick labels.
// Returns the points drawn (of the curves the legend shows).
function showCurves(root, st) {
    const ctx = canvas2d(root, st);
    if (!ctx) return 0;
    const fl = root._fullLayout;
    const xa = fl.xaxis, ya = fl.yaxis;
    const d = st.data;
    const [x0, x1] = d.xRange, [y0, y1] = d.yRange;
    const from = [u => x0 + u * (x1 - x0), u => y0 + u * (y1 - y0)];
    const to = [v => (v - x0) / (x1 - x0), v => (v - y0) / (y1 - y0)];
    grid2d(ctx, fl, from, to);
    const X = v => xa._offset + xa.l2p(to[0](v));
    const Y = v => ya._offset + ya.l2p(to[1](v));
    clipToPlot(ctx, xa, ya);
    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    let at = 0, n = 0;
    for (let k = 0; k < d.lengths.length; k++) {
        const len = d.lengths[k];
        const first = at;
        at += len;
        if (!visible(root, k)) continue;
        ctx.strokeStyle = d.colors[k];
        ctx.beginPath();
        let open = false;
        for (let i = first; i < first + len; i++) {
            const px = X(d.xs[i]), py = Y(d.ys[i]);
            // A gap (NaN) breaks the line, as plotly draws it.
            if (!Number.isFinite(px) || !Number.isFinite(py)) { open = false; continue; }
            if (open) ctx.lineTo(px, py); else { ctx.moveTo(px, py); open = true; }
            n++;
        }
        ctx.stroke();
    }
    ctx.restore();
    return n;
}

function draw(root) {
    const st = state(root);
    if (!st.data) return 0;
    if (st.data.kind === 'curves') return showCurves(root, st);
    return st.data.dim === 3 ? show3d(root, st) : show2d(root, st);
}

// Redraws the layer when plotly moves or hides what it shows: zoom, pan and resizes
// (relayout), legend clicks (restyle). (3-D: the scene redraws our object itself on camera
// moves. Not 'plotly_afterplot': every `Plotly.react` is followed by a show call, which would
// draw twice.)
function listen(root, st) {
    if (st.listening || typeof root.on !== 'function') return;
    for (const ev of ['plotly_relayout', 'plotly_restyle']) {
        root.on(ev, () => {
            const d = root[KEY] && root[KEY].data;
            if (d && (d.dim !== 3 || ev === 'plotly_restyle')) draw(root);
        });
    }
    st.listening = true;
}

/**
 * Draws the curves of a line chart (after its `Plotly.react` with axes spanning [0, 1] and
 * one trace a curve, in order): `xs` and `ys` hold the curves' points one curve after the
 * other, `lengths[k]` of them in curve k, drawn in `colors[k]` unless the legend hides trace k;
 * NaN breaks a curve. `xRange` and `yRange` (`[lo, hi]`) are the data's ranges that plotly's
 * axes stand for. Returns the points drawn.
 */
export function curves_show(root, xs, ys, lengths, colors, xRange, yRange) {
    const st = state(root);
    const range = r => (r[1] > r[0] && Number.isFinite(r[0]) && Number.isFinite(r[1]) ? [r[0], r[1]] : [0, 1]);
    st.data = { kind: 'curves', xs: xs.slice(), ys: ys.slice(), lengths: Array.from(lengths), colors,
        xRange: range(xRange), yRange: range(yRange) };
    listen(root, st);
    return draw(root);
}

/**
 * Draws the class points of an embedding plot (after its `Plotly.react`): `coords` holds, per
 * class, its x, then y, then (3-D) z; `lengths[k]` points in class k, drawn in `colors[k]`,
 * hidden while the legend switches class trace k off (a live figure's traces are its classes). `layer.overlays` is the loss's
 * geometry (`[{style: 'line' | 'markers' | 'fill', colors, x, y, z}]`, null breaks lines),
 * `layer.regions` the decision regions beneath the points (2-D fills); the page's toggles
 * switch them (they have no traces of their own). plotly's axes span [-1, 1]: every coordinate is divided by `radius`.
 * Returns the class points drawn.
 */
export function points_show(root, dim, coords, lengths, colors, size, layer, radius) {
    const st = state(root);
    st.data = { kind: 'points', dim, coords: coords.slice(), lengths: Array.from(lengths), colors, size,
        overlays: (layer && layer.overlays) || [], regions: (layer && layer.regions) || [],
        radius: radius > 0 && Number.isFinite(radius) ? radius : 1 };
    listen(root, st);
    if (dim !== 3 && st.gl) clearScene(st);
    return draw(root);
}

function clearScene(st) {
    const obj = st.gl;
    st.gl = null;
    if (!obj.glplot._stopped) obj.glplot.remove(obj);
}

/** Removes the point layer (plotly's traces carry the points again). */
export function points_clear(root) {
    const st = root[KEY];
    if (!st) return;
    st.data = null;
    if (st.gl) clearScene(st);
    if (st.canvas) { st.canvas.remove(); st.canvas = null; }
    st.pixels = null;
}

/**
 * Gives the `classes` class traces of a live figure, its only traces (legend entries: the layer
 * draws the points, the geometry and the regions), one point each outside plotly's axes
 * ([-1, 1]), where it is clipped. plotly.js keeps a trace without points out of the legend,
 * and a 3-D scene without a single finite point has no scale and draws nothing, not even its
 * axes.
 */
export function legend_placeholders(data, classes, dim) {
    for (let k = 0; k < classes; k++) {
        const t = data[k];
        t.x = [2];
        t.y = [2];
        if (dim === 3) t.z = [2];
    }
}
