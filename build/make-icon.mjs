// Draws build/icon.png (1024 x 1024): five Raft nodes on a ring, one of them the leader, with its
// heartbeats to the others. electron-builder derives the Windows and macOS icons from it.
// Run: node build/make-icon.mjs
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { URL } from 'node:url';
import console from 'node:console';

const SIZE = 1024;
const SAMPLES = 3; // per axis, for smooth edges
const BG = [22, 27, 38];
const RING = [64, 78, 104];
const FOLLOWER = [88, 166, 255];
const LEADER = [255, 196, 61];

const c = SIZE / 2;
const ringR = SIZE * 0.3;
const nodeR = SIZE * 0.1;
const nodes = Array.from({ length: 5 }, (_, i) => {
  const a = -Math.PI / 2 + (i * 2 * Math.PI) / 5;
  return { x: c + ringR * Math.cos(a), y: c + ringR * Math.sin(a), leader: i === 0 };
});

function distToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Colour and coverage at one sample point, painted back to front. */
function shade(x, y) {
  const corner = SIZE * 0.18;
  // Rounded-square tile.
  const qx = Math.max(Math.abs(x - c) - (c - corner), 0);
  const qy = Math.max(Math.abs(y - c) - (c - corner), 0);
  if (Math.hypot(qx, qy) > corner) return null;
  let color = BG;
  if (Math.abs(Math.hypot(x - c, y - c) - ringR) < SIZE * 0.008) color = RING;
  const leader = nodes[0];
  for (const n of nodes.slice(1)) if (distToSegment(x, y, leader.x, leader.y, n.x, n.y) < SIZE * 0.012) color = LEADER;
  for (const n of nodes) if (Math.hypot(x - n.x, y - n.y) < nodeR) color = n.leader ? LEADER : FOLLOWER;
  return color;
}

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

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('./icon.png', import.meta.url), png);
console.log(`build/icon.png: ${SIZE}x${SIZE}, ${png.length} bytes`);
