// The live point layer of the embedding plot (see `plot.rs`): while a run trains, the class
// points are drawn here instead of by plotly.js, which keeps the axes, legend, camera and the
// loss's geometry. plotly.js redrawing a 10,000-point 3-D scatter costs a few hundred
// milliseconds a frame in software rendering; this layer uploads one buffer and draws one call.
//
// 3-D: an object added to plotly's own WebGL scene (gl-plot3d's object protocol: `draw`,
//      `isOpaque`, `isTransparent`, `dispose`), drawn with the scene's camera, depth-tested
//      against its axes and included in its image export.
// 2-D: a canvas between plotly's plot and its legend layer, mapped through plotly's axes and
//      redrawn when the user zooms, pans or toggles a class in the legend.
//
// Nothing here runs at import: the module is also loaded by the training worker.

const KEY = '__embeddingPoints';

function rgb(hex) {
    const n = parseInt(String(hex).replace('#', '').slice(0, 6), 16) || 0;
    return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

// Whether class trace `k` is shown (not switched off in the legend).
function visible(root, first, k) {
    const t = root._fullData && root._fullData[first + k];
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
void main() { gl_FragColor = vec4(vColor, 1.0); }`;

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
    // A vertex array of our own: plotly's objects leave attributes enabled that a draw of
    // ours would otherwise be checked against.
    const vao = vx.createVertexArrayOES();
    const positions = gl.createBuffer();
    const colors = gl.createBuffer();
    const loc = {
        position: gl.getAttribLocation(program, 'position'),
        color: gl.getAttribLocation(program, 'color'),
        mvp: gl.getUniformLocation(program, 'mvp'),
        scale: gl.getUniformLocation(program, 'scale'),
        size: gl.getUniformLocation(program, 'size'),
    };
    const prev = gl.getParameter(vx.VERTEX_ARRAY_BINDING_OES);
    vx.bindVertexArrayOES(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, positions);
    gl.enableVertexAttribArray(loc.position);
    gl.vertexAttribPointer(loc.position, 3, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, colors);
    gl.enableVertexAttribArray(loc.color);
    gl.vertexAttribPointer(loc.color, 3, gl.FLOAT, false, 0, 0);
    vx.bindVertexArrayOES(prev);
    const obj = {
        glplot,
        count: 0,
        size: 3,
        pickSlots: 0,
        // plotly.js orders the scene's objects by their trace's index: ours goes last.
        _trace: { data: { index: Number.MAX_SAFE_INTEGER } },
        upload(pos, col, count) {
            gl.bindBuffer(gl.ARRAY_BUFFER, positions);
            gl.bufferData(gl.ARRAY_BUFFER, pos, gl.DYNAMIC_DRAW);
            gl.bindBuffer(gl.ARRAY_BUFFER, colors);
            gl.bufferData(gl.ARRAY_BUFFER, col, gl.DYNAMIC_DRAW);
            obj.count = count;
        },
        draw(camera) {
            if (!obj.count || gl.isContextLost()) return;
            const m = mul(camera.projection, mul(camera.view, camera.model));
            const before = gl.getParameter(vx.VERTEX_ARRAY_BINDING_OES);
            gl.useProgram(program);
            vx.bindVertexArrayOES(vao);
            gl.uniformMatrix4fv(loc.mvp, false, m);
            gl.uniform3fv(loc.scale, scene.dataScale || [1, 1, 1]);
            gl.uniform1f(loc.size, obj.size * (glplot.pixelRatio || 1));
            gl.drawArrays(gl.POINTS, 0, obj.count);
            vx.bindVertexArrayOES(before);
        },
        isOpaque() { return true; },
        isTransparent() { return false; },
        dispose() {
            if (gl.isContextLost()) return;
            gl.deleteBuffer(positions);
            gl.deleteBuffer(colors);
            vx.deleteVertexArrayOES(vao);
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
    let n = 0;
    for (let k = 0; k < d.lengths.length; k++) if (visible(root, d.first, k)) n += d.lengths[k];
    const pos = new Float32Array(3 * n);
    const col = new Float32Array(3 * n);
    let at = 0, j = 0;
    for (let k = 0; k < d.lengths.length; k++) {
        const len = d.lengths[k];
        const x = at, y = at + len, z = at + 2 * len;
        at += 3 * len;
        if (!visible(root, d.first, k)) continue;
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
    st.gl.upload(pos, col, n);
    st.gl.glplot.redraw();
    return n;
}

// ---- 2-D: a canvas over plotly's plot, under its legend ----

function show2d(root, st) {
    const fl = root._fullLayout;
    const container = root.querySelector('.svg-container');
    const paper = container && container.querySelector('.main-svg');
    if (!fl || !fl.xaxis || !fl.yaxis || !paper) return 0;
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
    const xa = fl.xaxis, ya = fl.yaxis;
    ctx.save();
    ctx.beginPath();
    ctx.rect(xa._offset, ya._offset, xa._length, ya._length);
    ctx.clip();
    const d = st.data;
    const r = d.size / 2;
    let at = 0, n = 0;
    for (let k = 0; k < d.lengths.length; k++) {
        const len = d.lengths[k];
        const x = at, y = at + len;
        at += 2 * len;
        if (!visible(root, d.first, k)) continue;
        ctx.fillStyle = d.colors[k];
        ctx.beginPath();
        for (let i = 0; i < len; i++) {
            const px = xa._offset + xa.l2p(d.coords[x + i]);
            const py = ya._offset + ya.l2p(d.coords[y + i]);
            if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
            ctx.moveTo(px + r, py);
            ctx.arc(px, py, r, 0, 2 * Math.PI);
        }
        ctx.fill();
        n += len;
    }
    ctx.restore();
    return n;
}

function draw(root) {
    const st = state(root);
    if (!st.data) return 0;
    return st.data.dim === 3 ? show3d(root, st) : show2d(root, st);
}

/**
 * Draws the class points of an embedding plot (after its `Plotly.react`): `coords` holds, per
 * class, its x, then y, then (3-D) z; `lengths[k]` points in class k, drawn in `colors[k]`,
 * hidden while the legend switches class trace `first + k` off. Returns the points drawn.
 */
export function points_show(root, dim, coords, lengths, colors, first, size) {
    const st = state(root);
    st.data = { dim, coords: coords.slice(), lengths: Array.from(lengths), colors, first, size };
    if (!st.listening && typeof root.on === 'function') {
        // Zoom, pan, legend clicks and plotly's own redraws move or hide points.
        // (3-D: the scene redraws our object itself on camera moves.)
        for (const ev of ['plotly_relayout', 'plotly_restyle', 'plotly_afterplot']) {
            root.on(ev, () => {
                const d = root[KEY] && root[KEY].data;
                if (d && (d.dim !== 3 || ev === 'plotly_restyle')) draw(root);
            });
        }
        st.listening = true;
    }
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
 * Gives class traces `data[first..]` one point each, the first of their class (`coords` and
 * `lengths` as in `points_show`), which the layer draws too: plotly.js keeps a trace without
 * points out of the legend, and a 3-D scene without a single finite point has no scale and
 * draws nothing, not even its axes.
 */
export function legend_placeholders(data, first, lengths, dim, coords) {
    let at = 0;
    for (let k = 0; k < lengths.length; k++) {
        const t = data[first + k];
        const len = lengths[k];
        const one = i => (len ? [coords[at + i * len]] : [null]);
        t.x = one(0);
        t.y = one(1);
        if (dim === 3) t.z = one(2);
        at += dim * len;
    }
}
