// SPDX-License-Identifier: MIT
/*
 * screen.js - pixels for the browser tests: what is on screen at a viewport
 * point (a 1x1 screenshot, decoded here: no PNG module needed) and what a
 * canvas holds at one of its points.
 */
'use strict';
const zlib = require('zlib');

/*
 * RGB of the screen at viewport point (x, y): a 1x1 screenshot, decoded here
 * (PNG: IHDR, IDAT; one pixel, so every row filter leaves the bytes as they
 * are). null when the point is off the viewport.
 */
async function screenPixel(page, x, y) {
	const vp = page.viewportSize();
	x = Math.round(x);
	y = Math.round(y);
	if (x < 0 || y < 0 || x >= vp.width || y >= vp.height) return null;
	const png = await page.screenshot({ clip: { x, y, width: 1, height: 1 } });
	let off = 8, ctype = 0, idat = [];
	while (off < png.length) {
		const len = png.readUInt32BE(off), type = png.toString('latin1', off + 4, off + 8);
		const data = png.subarray(off + 8, off + 8 + len);
		if (type === 'IHDR') ctype = data[9];
		if (type === 'IDAT') idat.push(data);
		off += 12 + len;
	}
	const raw = zlib.inflateSync(Buffer.concat(idat));
	const bpp = ctype === 6 ? 4 : ctype === 2 ? 3 : 1;
	return bpp === 1 ? [raw[1], raw[1], raw[1]] : [raw[1], raw[2], raw[3]];
}

/* the canvas's own pixel at CSS point (x, y) of canvas `sel` */
async function canvasPixel(page, sel, x, y) {
	return page.evaluate(([sel, x, y]) => {
		const c = document.querySelector(sel);
		const r = window.devicePixelRatio || 1;
		return Array.from(c.getContext('2d').getImageData(Math.round(x * r), Math.round(y * r), 1, 1).data);
	}, [sel, x, y]);
}

const near = (a, b, tol) => a && b && Math.abs(a[0] - b[0]) <= tol && Math.abs(a[1] - b[1]) <= tol &&
	Math.abs(a[2] - b[2]) <= tol;

/*
 * The root frame of the graph in canvas `sel` is on screen: the screenshot
 * pixel at its position is the root's own colour (not the page, not another
 * frame) and at least minRows rows of the graph are inside the viewport.
 */
async function rootOnScreen(page, sel, drawnFn, minRows) {
	const d = await page.evaluate(drawnFn);
	const root = d.find((x) => x.depth === 0);
	const box = await page.locator(sel).boundingBox();
	if (!root || !box) return { ok: false, why: 'no root drawn' };
	const vp = page.viewportSize();
	const x = box.x + root.x + root.w - 4, y = box.y + root.y + 3;
	const want = await canvasPixel(page, sel, root.x + root.w - 4, root.y + 3);
	const got = await screenPixel(page, x, y);
	const under = await page.evaluate(([x, y, sel]) => {
		const e = document.elementFromPoint(x, y);
		return !!e && e === document.querySelector(sel);
	}, [x, y, sel]);
	/* rows inside the viewport and inside the box that clips the canvas (a scrolling wrap) */
	const clip = await page.evaluate((sel) => {
		const w = document.querySelector(sel).parentElement.getBoundingClientRect();
		return { top: Math.max(0, w.top), bottom: Math.min(window.innerHeight, w.bottom) };
	}, sel);
	const depths = new Set(d.filter((r) => box.y + r.y >= clip.top && box.y + r.y + r.h <= clip.bottom + 1)
		.map((r) => r.depth));
	const ok = got !== null && under && near(got, want, 10) && want[3] === 255 && depths.size >= minRows;
	return { ok, why: `root at viewport (${x.toFixed(0)}, ${y.toFixed(0)}) of ${vp.width}x${vp.height}: ` +
		`screen ${got}, canvas ${want}, canvas on top ${under}; ${depths.size} rows on screen (want ${minRows})` };
}

module.exports = { screenPixel, canvasPixel, near, rootOnScreen };
