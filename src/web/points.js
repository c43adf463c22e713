// The live layers of the embedding plot and the curves (see `plot.rs`): while a run trains, the class
// points and the loss's geometry are drawn here instead of by plotly.js, which keeps the axes,
// the legend and the camera. plotly.js redrawing a 10,000-point 3-D scatter costs a few hundred
// milliseconds a frame in software rendering; this layer uploads one buffer and draws one call.
//
// 3-D: an object added to plotly's own WebGL scene (gl-plot3d's object protocol: `draw`,
//      `isOpaque`, `isTransparent`, `dispose`), drawn with the scene's camera, depth-tested
//      against its axes and included in its image export.
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

function rgb(hex) {
    const n = parseInt(String(hex).replace('#', '').slice(0, 6), 16) || 0;
    return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

// Whether class `k` is shown (its trace, the k-th of a live figure, not switched off in the
// legend).
function visible(root, k) {
    const t = root._fullData && root._fullData[k];
    return !t || t.visible === true;
}

function state(root) {
    if (!root[KEY]) {
        root[KEY] = { data: null, gl: null, canvas: null, listening: false };
    }
    return root[KEY];
}

// ---- 3-D: an object in plotly's gl-plot3d scene ----

const VS = `
attribute vec3 position;
attribute vec3 color;
uniform mat4 mvp;
uniform vec3 scale;
uniform float size;
varying vec3 vColor;
void main() {
    gl_Position = mvp * vec4(position * scale, 1.0);
    gl_PointSize = size;
    vColor = color;
}`;
const FS = `
precision mediump float;
varying vec3 vColor;
uniform float diamond;
void main() {
    if (diamond > 0.5) {
        // A diamond with a black outline (the geometry's markers, as plotly draws them).
        vec2 d = abs(gl_PointCoord - 0.5);
        float r = d.x + d.y;
        if (r > 0.5) discard;
        gl_FragColor = r > 0.36 ? vec4(0.0, 0.0, 0.0, 1.0) : vec4(vColor, 1.0);
    } else {
        gl_FragColor = vec4(vColor, 1.0);
    }
}`;

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

function compile(gl, type, src) {
    const s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) {
        throw new Error('point layer shader: ' + gl.getShaderInfoLog(s));
    }
    return s;
}

function sceneObject(scene) {
    const glplot = scene.glplot;
    const gl = glplot.gl;
    const vx = gl.getExtension('OES_vertex_array_object');
    if (!vx) throw new Error('point layer: WebGL without vertex array objects');
    const program = gl.createProgram();
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VS));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FS));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
        throw new Error('point layer program: ' + gl.getProgramInfoLog(program));
    }
    const loc = {
        position: gl.getAttribLocation(program, 'position'),
        color: gl.getAttribLocation(program, 'color'),
        mvp: gl.getUniformLocation(program, 'mvp'),
        scale: gl.getUniformLocation(program, 'scale'),
        size: gl.getUniformLocation(program, 'size'),
        diamond: gl.getUniformLocation(program, 'diamond'),
    };
    // Vertex arrays of our own (the points, the geometry's lines, its markers): plotly's
    // objects leave attributes enabled that a draw of ours would otherwise be checked against.
    const batch = () => {
        const b = { vao: vx.createVertexArrayOES(), positions: gl.createBuffer(), colors: gl.createBuffer(), count: 0 };
        const prev = gl.getParameter(vx.VERTEX_ARRAY_BINDING_OES);
        vx.bindVertexArrayOES(b.vao);
        gl.bindBuffer(gl.ARRAY_BUFFER, b.positions);
        gl.enableVertexAttribArray(loc.position);
        gl.vertexAttribPointer(loc.position, 3, gl.FLOAT, false, 0, 0);
        gl.bindBuffer(gl.ARRAY_BUFFER, b.colors);
        gl.enableVertexAttribArray(loc.color);
        gl.vertexAttribPointer(loc.color, 3, gl.FLOAT, false, 0, 0);
        vx.bindVertexArrayOES(prev);
        return b;
    };
    const batches = { points: batch(), lines: batch(), markers: batch() };
    const obj = {
        glplot,
        size: 3,
        // Embedding units to the view's (plotly's axes span [-1, 1]): 1/r.
        unit: 1,
        pickSlots: 0,
        // plotly.js orders the scene's objects by their trace's index: ours goes last.
        _trace: { data: { index: Number.MAX_SAFE_INTEGER } },
        upload(name, pos, col, count) {
            const b = batches[name];
            gl.bindBuffer(gl.ARRAY_BUFFER, b.positions);
            gl.bufferData(gl.ARRAY_BUFFER, pos, gl.DYNAMIC_DRAW);
            gl.bindBuffer(gl.ARRAY_BUFFER, b.colors);
            gl.bufferData(gl.ARRAY_BUFFER, col, gl.DYNAMIC_DRAW);
            b.count = count;
        },
        draw(camera) {
            if (gl.isContextLost()) return;
            const m = mul(camera.projection, mul(camera.view, camera.model));
            const before = gl.getParameter(vx.VERTEX_ARRAY_BINDING_OES);
            gl.useProgram(program);
            gl.uniformMatrix4fv(loc.mvp, false, m);
            const ds = scene.dataScale || [1, 1, 1];
            gl.uniform3fv(loc.scale, ds.map(v => v * obj.unit));
            const pr = glplot.pixelRatio || 1;
            const run = (b, mode, size, diamond) => {
                if (!b.count) return;
                vx.bindVertexArrayOES(b.vao);
                gl.uniform1f(loc.size, size * pr);
                gl.uniform1f(loc.diamond, diamond);
                gl.drawArrays(mode, 0, b.count);
            };
            run(batches.points, gl.POINTS, obj.size, 0);
            run(batches.lines, gl.LINES, 1, 0);
            run(batches.markers, gl.POINTS, 11, 1);
            vx.bindVertexArrayOES(before);
        },
        isOpaque() { return true; },
        isTransparent() { return false; },
        dispose() {
            if (gl.isContextLost()) return;
            for (const b of Object.values(batches)) {
                gl.deleteBuffer(b.positions);
                gl.deleteBuffer(b.colors);
                vx.deleteVertexArrayOES(b.vao);
            }
            gl.deleteProgram(program);
        },
    };
    glplot.add(obj);
    return obj;
}

function show3d(root, st) {
    const scene = root._fullLayout && root._fullLayout.scene && root._fullLayout.scene._scene;
    if (!scene || !scene.glplot) return 0;
    if (st.gl && st.gl.glplot !== scene.glplot) st.gl = null; // a new scene: plotly disposed ours
    if (!st.gl) st.gl = sceneObject(scene);
    const d = st.data;
    st.gl.unit = 1 / d.radius;
    let n = 0;
    for (let k = 0; k < d.lengths.length; k++) if (visible(root, k)) n += d.lengths[k];
    const pos = new Float32Array(3 * n);
    const col = new Float32Array(3 * n);
    let at = 0, j = 0;
    for (let k = 0; k < d.lengths.length; k++) {
        const len = d.lengths[k];
        const x = at, y = at + len, z = at + 2 * len;
        at += 3 * len;
        if (!visible(root, k)) continue;
        const [r, g, b] = rgb(d.colors[k]);
        for (let i = 0; i < len; i++, j++) {
            pos[3 * j] = d.coords[x + i];
            pos[3 * j + 1] = d.coords[y + i];
            pos[3 * j + 2] = d.coords[z + i];
            col[3 * j] = r;
            col[3 * j + 1] = g;
            col[3 * j + 2] = b;
        }
    }
    st.gl.upload('points', pos, col, n);
    // The geometry: line segments (breaks at null) and markers.
    const lp = [], lc = [], mp = [], mc = [];
    d.overlays.forEach(o => {
        const at = i => [o.x[i], o.y[i], o.z[i]];
        const ok = i => o.x[i] != null && o.y[i] != null && o.z[i] != null;
        if (o.style === 'line') {
            const c = rgb(o.colors[0]);
            for (let i = 0; i + 1 < o.x.length; i++) {
                if (!ok(i) || !ok(i + 1)) continue;
                lp.push(...at(i), ...at(i + 1));
                lc.push(...c, ...c);
            }
        } else if (o.style === 'markers') {
            for (let i = 0; i < o.x.length; i++) {
                if (!ok(i)) continue;
                mp.push(...at(i));
                mc.push(...rgb(o.colors[i] || o.colors[0]));
            }
        }
    });
    st.gl.upload('lines', new Float32Array(lp), new Float32Array(lc), lp.length / 3);
    st.gl.upload('markers', new Float32Array(mp), new Float32Array(mc), mp.length / 3);
    st.gl.glplot.redraw();
    return n;
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

// The layer's canvas of a 2-D plot (between plotly's plot and its legend), sized to the plot
// and cleared; its context draws in CSS pixels. None while plotly has not laid the plot out.
function canvas2d(root, st) {
    const fl = root._fullLayout;
    const container = root.querySelector('.svg-container');
    const paper = container && container.querySelector('.main-svg');
    if (!fl || !fl.xaxis || !fl.yaxis || !paper) return null;
    let c = st.canvas;
    if (!c || c.parentNode !== container) {
        c = document.createElement('canvas');
        c.className = 'point-layer';
        c.setAttribute('aria-hidden', 'true');
        c.style.cssText = 'position:absolute;left:0;top:0;pointer-events:none';
        container.insertBefore(c, paper.nextSibling);
        st.canvas = c;
    }
    const dpr = window.devicePixelRatio || 1;
    const w = fl.width, h = fl.height;
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
            const h = 6.5;
            ctx.lineWidth = 1.5;
            ctx.strokeStyle = '#000000';
            for (let i = 0; i < o.x.length; i++) {
                if (!ok(o, i)) continue;
                const x = X(o.x[i]), y = Y(o.y[i]);
                ctx.beginPath();
                ctx.moveTo(x, y - h); ctx.lineTo(x + h, y); ctx.lineTo(x, y + h); ctx.lineTo(x - h, y);
                ctx.closePath();
                ctx.fillStyle = o.colors[i] || o.colors[0];
                ctx.fill();
                ctx.stroke();
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
    if (dim === 3 && st.canvas) { st.canvas.remove(); st.canvas = null; }
    return draw(root);
}

function clearScene(st) {
    const obj = st.gl;
    st.gl = null;
    if (!obj.glplot._stopped) {
        obj.glplot.remove(obj);
        obj.dispose();
        obj.glplot.redraw();
    }
}

/** Removes the point layer (plotly's traces carry the points again). */
export function points_clear(root) {
    const st = root[KEY];
    if (!st) return;
    st.data = null;
    if (st.gl) clearScene(st);
    if (st.canvas) { st.canvas.remove(); st.canvas = null; }
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
