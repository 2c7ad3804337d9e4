// Draws the app icon: five Raft nodes on a ring, one of them the leader, with its heartbeats to
// the others. Writes build/icon.png (1024 x 1024), the Linux set build/icons/NxN.png, the
// Windows build/icon.ico and the macOS build/icon.icns (each a container of PNG images).
// Run: node build/make-icon.mjs
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { URL } from 'node:url';
import console from 'node:console';

const SAMPLES = 4; // per axis, for smooth edges
const BG = [22, 27, 38];
const RING = [64, 78, 104];
const FOLLOWER = [88, 166, 255];
const LEADER = [255, 196, 61];

function distToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Colour at one sample point of a SIZE x SIZE icon, painted back to front; null outside the tile. */
function shader(SIZE) {
  const c = SIZE / 2;
  const ringR = SIZE * 0.3;
  const nodeR = SIZE * 0.1;
  // Strokes keep at least about a pixel so the small sizes still show the ring and heartbeats.
  const ringW = Math.max(SIZE * 0.008, 0.6);
  const beatW = Math.max(SIZE * 0.012, 0.7);
  const nodes = Array.from({ length: 5 }, (_, i) => {
    const a = -Math.PI / 2 + (i * 2 * Math.PI) / 5;
    return { x: c + ringR * Math.cos(a), y: c + ringR * Math.sin(a), leader: i === 0 };
  });
  return (x, y) => {
    const corner = SIZE * 0.18;
    const qx = Math.max(Math.abs(x - c) - (c - corner), 0);
    const qy = Math.max(Math.abs(y - c) - (c - corner), 0);
    if (Math.hypot(qx, qy) > corner) return null;
    let color = BG;
    if (Math.abs(Math.hypot(x - c, y - c) - ringR) < ringW) color = RING;
    const leader = nodes[0];
    for (const n of nodes.slice(1)) if (distToSegment(x, y, leader.x, leader.y, n.x, n.y) < beatW) color = LEADER;
    for (const n of nodes) if (Math.hypot(x - n.x, y - n.y) < nodeR) color = n.leader ? LEADER : FOLLOWER;
    return color;
  };
}

/** RGBA scanlines with PNG's per-row filter byte. */
function render(SIZE) {
  const shade = shader(SIZE);
  const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let y = 0; y < SIZE; y++) {
    raw[y * (SIZE * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const color = shade(x + (sx + 0.5) / SAMPLES, y + (sy + 0.5) / SAMPLES);
          if (!color) continue;
          acc[0] += color[0];
          acc[1] += color[1];
          acc[2] += color[2];
          acc[3] += 255;
        }
      }
      const n = SAMPLES * SAMPLES;
      const covered = acc[3] / 255;
      const o = y * (SIZE * 4 + 1) + 1 + x * 4;
      raw[o] = covered ? Math.round(acc[0] / covered) : 0;
      raw[o + 1] = covered ? Math.round(acc[1] / covered) : 0;
      raw[o + 2] = covered ? Math.round(acc[2] / covered) : 0;
      raw[o + 3] = Math.round(acc[3] / n);
    }
  }
  return raw;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let k = n;
  for (let i = 0; i < 8; i++) k = k & 1 ? 0xedb88320 ^ (k >>> 1) : k >>> 1;
  return k >>> 0;
});
function crc32(buf) {
  let crc = 0xffffffff;
  for (const b of buf) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(SIZE) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(render(SIZE), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Windows icon: a directory of PNG images (allowed since Vista), 256 written as 0. */
function ico(images) {
  const dir = Buffer.alloc(6 + 16 * images.length);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2); // type: icon
  dir.writeUInt16LE(images.length, 4);
  let offset = dir.length;
  images.forEach(([size, data], i) => {
    const e = 6 + 16 * i;
    dir[e] = size >= 256 ? 0 : size;
    dir[e + 1] = size >= 256 ? 0 : size;
    dir.writeUInt16LE(1, e + 4); // colour planes
    dir.writeUInt16LE(32, e + 6); // bits per pixel
    dir.writeUInt32LE(data.length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += data.length;
  });
  return Buffer.concat([dir, ...images.map(([, data]) => data)]);
}

/** macOS icon: 'icns' then one typed, length-prefixed PNG element per size. */
const ICNS_TYPES = { 16: 'icp4', 32: 'icp5', 64: 'icp6', 128: 'ic07', 256: 'ic08', 512: 'ic09', 1024: 'ic10' };
function icns(images) {
  const elements = images.map(([size, data]) => {
    const head = Buffer.alloc(8);
    head.write(ICNS_TYPES[size], 0, 'ascii');
    head.writeUInt32BE(8 + data.length, 4);
    return Buffer.concat([head, data]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + elements.reduce((n, e) => n + e.length, 0), 4);
  return Buffer.concat([head, ...elements]);
}

const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const pngs = new Map(SIZES.map((size) => [size, png(size)]));
const write = (name, data) => {
  writeFileSync(new URL(name, import.meta.url), data);
  console.log(`build/${name}: ${data.length} bytes`);
};
mkdirSync(new URL('./icons/', import.meta.url), { recursive: true });
write('icon.png', pngs.get(1024));
for (const size of SIZES) write(`icons/${size}x${size}.png`, pngs.get(size));
write('icon.ico', ico([16, 24, 32, 48, 64, 128, 256].map((s) => [s, pngs.get(s)])));
write('icon.icns', icns(Object.keys(ICNS_TYPES).map(Number).map((s) => [s, pngs.get(s)])));
