// SPDX-License-Identifier: MIT
/*
 * check_page.js - open a flame-graph page bpfprof wrote in headless Chromium
 * (Debian's /usr/bin/chromium, never a downloaded browser) and check it the
 * way a user would use it: real mouse clicks and key presses, and the canvas
 * pixels under the frames.
 *
 *   node check_page.js MODE FILE.html [ARGS...]
 *     flame FILE HOT SHARE OTHER [TOL]  HOT is drawn with SHARE % (+- TOL, default 1)
 *                                 of the width,
 *                                 search marks it (and not OTHER) and shows
 *                                 SHARE, a click zooms, Reset and the
 *                                 icicle toggle work, the tooltip tells
 *     diff FILE GREW SHRANK       GREW is red, SHRANK blue; search and zoom work;
 *                                 GREW's sandwich is differential
 *     big FILE MAX_MS             the page renders, zooms and searches within
 *                                 MAX_MS each
 *     root FILE                   at 1400x1000 the page opens with the root
 *                                 frame on screen (a screenshot pixel there
 *                                 is the root's colour) and its widest child
 *                                 visible too
 *     sandwich FILE               (tests/integration/test_html.sh's sandwich
 *                                 profile) the callers and callees of `hot`,
 *                                 picked in the functions table and in the
 *                                 graph, with self and total; search and zoom
 *                                 in both halves
 *     labels FILE                 frame labels drop the namespace and the
 *                                 argument list first, then end in an ellipsis
 *     theme FILE                  dark mode follows prefers-color-scheme; the
 *                                 toggle overrides it and is remembered
 *
 * Prints PASS:/FAIL: lines (tests/lib.sh protocol) prefixed with $TEST_PREFIX.
 */
'use strict';
const path = require('path');
const { launch, close } = require('./browser');
const { screenPixel, canvasPixel, near, rootOnScreen } = require('./screen');

const { pass, fail, check, exitCode } = require('./report').reporter('web');

async function centre(page, name) {
	const d = await drawnNamed(page, name);
	if (!d) return null;
	const box = await page.locator('canvas.fg-canvas').boundingBox();
	return { x: box.x + d.x + d.w / 2, y: box.y + d.y + d.h / 2, d };
}

async function drawnNamed(page, name) {
	return page.evaluate((n) => {
		const all = window.flamegraph.drawn().filter((d) => d.name === n);
		all.sort((a, b) => b.w - a.w);
		return all[0] || null;
	}, name);
}

/* RGB of the canvas pixel at the centre of frame d, away from its text. */
async function pixel(page, d) {
	return page.evaluate((d) => {
		const c = document.querySelector('canvas.fg-canvas');
		const r = window.devicePixelRatio || 1;
		const x = Math.round((d.x + d.w - 2) * r), y = Math.round((d.y + 2) * r);
		return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data);
	}, d);
}


async function open(browser, file, viewport) {
	const page = await browser.newPage();
	if (viewport) await page.setViewportSize(viewport);
	const errors = [], requests = [];
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
	const t0 = Date.now();
	await page.goto('file://' + path.resolve(file));
	await page.waitForFunction(() => window.flamegraph && window.flamegraph.drawn().length > 0,
		null, { timeout: 60000 });
	const loadMs = Date.now() - t0;
	return { page, errors, requests, loadMs };
}

async function flame(browser, file, hot, share, other, tol) {
	const { page, errors, requests } = await open(browser, file);
	check('loads-without-errors', errors.length === 0, errors.join('; '));
	check('no-network', requests.length === 0, 'requested ' + requests.join(', '));

	const canvasW = await page.evaluate(() => document.querySelector('canvas.fg-canvas').clientWidth);
	const h = await drawnNamed(page, hot);
	check('hot-function-drawn', h && Math.abs(100 * h.w / canvasW - share) <= tol + 0.5,
		h ? `${hot} is ${(100 * h.w / canvasW).toFixed(1)}% wide, expected ${share}%` : `${hot} not drawn`);

	/* tooltip: hover the hot frame */
	let c = await centre(page, hot);
	if (c) {
		await page.mouse.move(c.x, c.y);
		const tip = await page.locator('.fg-tip').textContent();
		const visible = await page.locator('.fg-tip').isVisible();
		check('tooltip', visible && tip.includes(hot) && /samples \(\d+\.\d+%\)/.test(tip),
			`tooltip "${tip}" visible=${visible}`);
	}

	/* search: type into the box like a user */
	await page.fill('input.fg-search', '');
	await page.locator('input.fg-search').type(hot);
	await page.keyboard.press('Enter');
	const matched = await page.locator('.fg-matched').textContent();
	const m = /Matched: ([\d.]+)%/.exec(matched);
	check('search-share', m && Math.abs(+m[1] - share) <= tol,
		`shows "${matched}", expected about ${share}%`);
	const hd = await drawnNamed(page, hot), od = await drawnNamed(page, other);
	const px = hd ? await pixel(page, hd) : [0, 0, 0];
	/* the highlight is magenta: red and blue high, green low */
	check('search-marks-hot', hd && hd.matched && px[0] > 180 && px[2] > 180 && px[1] < 120,
		`matched=${hd && hd.matched} pixel=${px}`);
	check('search-spares-others', od && !od.matched, `${other} marked too`);
	await page.click('button.fg-clear');

	/* click zooms: the clicked frame spans the canvas */
	c = await centre(page, other);
	await page.mouse.click(c.x, c.y);
	const z = await drawnNamed(page, other);
	const focus = await page.evaluate(() => window.flamegraph.focus());
	check('click-zooms', focus === other && z && z.w >= canvasW - 1,
		`focus=${focus}, ${other} is ${z ? z.w.toFixed(0) : 0} of ${canvasW} px`);
	const hotAfter = await drawnNamed(page, hot);
	check('zoom-hides-siblings', !hotAfter || hotAfter.w >= canvasW - 1, `${hot} still drawn after zooming into ${other}`);
	await page.click('button.fg-reset');
	const back = await drawnNamed(page, hot);
	check('reset', await page.evaluate(() => window.flamegraph.focus()) === 'all' && back &&
		Math.abs(100 * back.w / canvasW - share) <= tol + 0.5, 'reset did not restore the full view');

	/* icicle: the root moves from the bottom to the top */
	const rootBefore = await drawnNamed(page, 'all');
	await page.click('button.fg-orient');
	const rootAfter = await drawnNamed(page, 'all');
	check('icicle-toggle', rootBefore.y > 0 && rootAfter.y === 0 &&
		await page.evaluate(() => window.flamegraph.orientation()) === 'icicle',
		`root y ${rootBefore.y} -> ${rootAfter.y}`);
	await page.close();
}

async function diff(browser, file, grew, shrank) {
	const { page, errors, requests } = await open(browser, file);
	check('diff-loads', errors.length === 0 && requests.length === 0, errors.concat(requests).join('; '));
	const g = await drawnNamed(page, grew), s = await drawnNamed(page, shrank);
	const pg = g ? await pixel(page, g) : [0, 0, 0], ps = s ? await pixel(page, s) : [0, 0, 0];
	check('diff-growth-red', g && g.delta > 0 && pg[0] > pg[2] + 60, `${grew} delta=${g && g.delta} pixel=${pg}`);
	check('diff-shrink-blue', s && s.delta < 0 && ps[2] > ps[0] + 60, `${shrank} delta=${s && s.delta} pixel=${ps}`);
	await page.locator('input.fg-search').type(grew);
	await page.keyboard.press('Enter');
	const matched = await page.locator('.fg-matched').textContent();
	check('diff-search', /before [\d.]+%, after [\d.]+%/.test(matched) &&
		(await drawnNamed(page, grew)).matched, `shows "${matched}"`);
	await page.click('button.fg-clear');
	const c = await centre(page, grew);
	await page.mouse.click(c.x, c.y);
	check('diff-click-zooms', await page.evaluate(() => window.flamegraph.focus()) === grew, 'no zoom');
	await page.mouse.move(c.x, c.y);
	const tip = await page.locator('.fg-tip').textContent();
	check('diff-tooltip', /before .* after .* change \+/.test(tip), `tooltip "${tip}"`);
	/* the sandwich of a differential profile is differential: GREW's share grew */
	const sw = await page.evaluate((n) => {
		const s = window.flamegraph.openSandwich && window.flamegraph.openSandwich(n);
		if (!s) return null;
		const r = s.callers.drawn().find((d) => d.depth === 0);
		return { total: s.total, baseTotal: s.baseTotal, delta: r.delta, name: r.name };
	}, grew);
	const head = await page.locator('.fg-sandwich-head').textContent().catch(() => '');
	check('diff-sandwich', sw && sw.name === grew && sw.baseTotal > 0 && sw.total >= 4 * sw.baseTotal && sw.delta > 0 &&
		/before: self .* after: self /.test(head), `${JSON.stringify(sw)}, header "${head}"`);
	await page.close();
}

/* One timed pass: load, zoom by a click, search, reset (ms each). */
async function bigPass(browser, file) {
	const { page, errors, loadMs } = await open(browser, file);
	const st = await page.evaluate(() => window.flamegraph.stats());
	/* zoom by clicking the widest frame three levels up */
	const target = await page.evaluate(() =>
		window.flamegraph.drawn().filter((x) => x.depth === 3).sort((a, b) => b.w - a.w)[0]);
	const box = await page.locator('canvas.fg-canvas').boundingBox();
	let t = Date.now();
	await page.mouse.click(box.x + target.x + target.w / 2, box.y + target.y + 8);
	await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
	const zoomMs = Date.now() - t;
	const focus = await page.evaluate(() => window.flamegraph.focus());
	t = Date.now();
	const res = await page.evaluate(() => window.flamegraph.search('fn_1'));
	const searchMs = Date.now() - t;
	t = Date.now();
	await page.click('button.fg-reset');
	const resetMs = Date.now() - t;
	const back = await page.evaluate(() => window.flamegraph.focus());
	await page.close();
	return { errors, loadMs, st, target, focus, zoomMs, res, searchMs, resetMs, back };
}

async function big(browser, file, maxMs) {
	/* a busy machine can stall a pass: the best of up to three counts */
	const worst = (x) => Math.max(x.loadMs, x.zoomMs, x.searchMs, x.resetMs);
	let r = await bigPass(browser, file);
	for (let i = 2; i <= 3 && worst(r) >= maxMs; i++) {
		console.log(`# slow pass (load ${r.loadMs} ms, slowest step ${worst(r)} ms), measured again`);
		const again = await bigPass(browser, file);
		if (worst(again) < worst(r))
			r = again;
	}
	console.log(`# load ${r.loadMs} ms (tree ${r.st.buildMs.toFixed(0)} ms, draw ${r.st.firstDrawMs.toFixed(0)} ms), ` +
		`${r.st.nodes} nodes; zoom ${r.zoomMs} ms; search ${r.searchMs} ms; reset ${r.resetMs} ms`);
	check('big-loads', r.errors.length === 0 && r.st.nodes > 1000000, r.errors.join('; ') || `${r.st.nodes} nodes`);
	check('big-render-time', r.loadMs < maxMs, `load took ${r.loadMs} ms`);
	check('big-zoom-time', r.focus === r.target.name && r.zoomMs < maxMs,
		`zoom to ${r.target.name}: focus ${r.focus}, ${r.zoomMs} ms`);
	check('big-search-time', r.res && r.res.samples > 0 && r.searchMs < maxMs, `search took ${r.searchMs} ms`);
	check('big-reset-time', r.back === 'all' && r.resetMs < maxMs, `reset took ${r.resetMs} ms`);
}


async function rootMode(browser, file) {
	const { page, errors } = await open(browser, file, { width: 1400, height: 1000 });
	const r = await rootOnScreen(page, 'canvas.fg-canvas', () => window.flamegraph.drawn(), 40);
	const st = await page.evaluate(() => window.flamegraph.stats());
	check('root-on-screen', errors.length === 0 && r.ok, `${r.why}; ${errors.join('; ')}`);
	/* the widest path from the root is drawn wide enough to read */
	const wide = await page.evaluate(() => {
		const d = window.flamegraph.drawn();
		const c = d.filter((x) => x.depth === 1).sort((a, b) => b.w - a.w)[0];
		return c ? c.w : 0;
	});
	const cw = await page.evaluate(() => document.querySelector('canvas.fg-canvas').clientWidth);
	check('root-widest-child', wide > cw / 4, `widest child of the root is ${wide.toFixed(0)} of ${cw} px (${st.nodes} nodes)`);
	await page.close();
}

/* name -> samples of the frames drawn at depth d of controller fg (an expression string) */
async function rowAt(page, which, d) {
	return page.evaluate(([which, d]) => {
		const s = window.flamegraph.sandwich();
		if (!s) return null;
		const out = {};
		for (const r of s[which].drawn()) if (r.depth === d) out[r.name] = (out[r.name] || 0) + r.samples;
		return out;
	}, [which, d]);
}

const same = (a, b) => JSON.stringify(Object.entries(a || {}).sort()) === JSON.stringify(Object.entries(b).sort());

async function sandwich(browser, file) {
	const { page, errors } = await open(browser, file, { width: 1400, height: 1000 });
	/* the functions table: hot is self 65, total 74 */
	const row = page.locator('.fg-functions tbody tr', { has: page.locator('td', { hasText: /^hot$/ }) }).first();
	const cells = await row.locator('td').allTextContents().catch(() => []);
	check('functions-table', cells[0] === 'hot' && cells.includes('65') && cells.includes('74'),
		`row ${JSON.stringify(cells)}, want hot self 65 total 74`);
	await row.click({ timeout: 3000 }).catch(() => {});
	const s = await page.evaluate(() => {
		const s = window.flamegraph.sandwich && window.flamegraph.sandwich();
		return s ? { name: s.name, self: s.self, total: s.total } : null;
	});
	const head = await page.locator('.fg-sandwich-head').textContent({ timeout: 2000 }).catch(() => '');
	check('sandwich-from-table', s && s.name === 'hot' && s.self === 65 && s.total === 74 &&
		/self 65\b/.test(head) && /total 74\b/.test(head), `sandwich ${JSON.stringify(s)}, header "${head}"`);
	if (!s) { await page.close(); return; }
	const c0 = await rowAt(page, 'callers', 0), c1 = await rowAt(page, 'callers', 1), c2 = await rowAt(page, 'callers', 2);
	check('sandwich-callers', same(c0, { hot: 74 }) && same(c1, { a: 30, b: 20, main: 16, helper: 8 }) &&
		c2.main === 30 + 20 + 8 && c2.app === 16,
		`depth 0 ${JSON.stringify(c0)}, 1 ${JSON.stringify(c1)}, 2 ${JSON.stringify(c2)}`);
	const e0 = await rowAt(page, 'callees', 0), e1 = await rowAt(page, 'callees', 1);
	check('sandwich-callees', same(e0, { hot: 74 }) && same(e1, { d: 5, helper: 4 }),
		`depth 0 ${JSON.stringify(e0)}, 1 ${JSON.stringify(e1)}`);
	/* callers above, inverted (their root, hot, at the bottom); callees below, hot on top */
	const geo = await page.evaluate(() => {
		const s = window.flamegraph.sandwich();
		const top = (sel) => document.querySelector(sel).getBoundingClientRect().top;
		const cr = s.callers.drawn().find((r) => r.depth === 0), ca = s.callers.drawn().find((r) => r.depth === 1);
		const er = s.callees.drawn().find((r) => r.depth === 0), ea = s.callees.drawn().find((r) => r.depth === 1);
		return { callersTop: top('.fg-sandwich-callers canvas'), calleesTop: top('.fg-sandwich-callees canvas'),
			callerRootBelow: cr.y > ca.y, calleeRootAbove: er.y < ea.y };
	});
	check('sandwich-layout', geo.callersTop < geo.calleesTop && geo.callerRootBelow && geo.calleeRootAbove,
		JSON.stringify(geo));
	/* search from the toolbar marks matches in both halves */
	await page.fill('input.fg-search', 'helper');
	await page.keyboard.press('Enter');
	const m = await page.evaluate(() => {
		const s = window.flamegraph.sandwich();
		const f = (fg) => fg.drawn().filter((r) => r.matched).map((r) => r.name);
		return { callers: f(s.callers), callees: f(s.callees) };
	});
	check('sandwich-search', same({ x: m.callers.join() }, { x: 'helper' }) && same({ x: m.callees.join() }, { x: 'helper' }),
		JSON.stringify(m));
	await page.click('button.fg-clear');
	/* zoom: real clicks in each half */
	for (const [which, name] of [['callees', 'd'], ['callers', 'b']]) {
		const sel = `.fg-sandwich-${which} canvas.fg-canvas`;
		const d = await page.evaluate(([w, n]) => window.flamegraph.sandwich()[w].drawn().find((r) => r.name === n), [which, name]);
		await page.locator(sel).scrollIntoViewIfNeeded();
		const box = await page.locator(sel).boundingBox();
		await page.mouse.click(box.x + d.x + d.w / 2, box.y + d.y + d.h / 2);
		const z = await page.evaluate(([w]) => {
			const fg = window.flamegraph.sandwich()[w];
			return { focus: fg.focus(), w: fg.drawn().find((r) => r.depth === 1).w };
		}, [which]);
		const cw = box.width;
		check(`sandwich-zoom-${which}`, z.focus === name && z.w >= cw - 1, `focus ${z.focus}, ${name} ${z.w} of ${cw} px`);
	}
	await page.click('button.fg-reset');
	const back = await page.evaluate(() => [window.flamegraph.sandwich().callers.focus(), window.flamegraph.sandwich().callees.focus()]);
	check('sandwich-reset', back[0] === 'all' && back[1] === 'all', `focus after reset ${back}`);
	/* pick from the graph: close, right-click hot in the flame graph */
	await page.click('button.fg-sandwich-close');
	const closed = await page.evaluate(() => window.flamegraph.sandwich() === null &&
		!document.querySelector('.fg-sandwich'));
	const c = await centre(page, 'main');
	await page.mouse.click(c.x, c.y, { button: 'right' });
	const s2 = await page.evaluate(() => {
		const s = window.flamegraph.sandwich();
		return s ? { name: s.name, self: s.self, total: s.total } : null;
	});
	check('sandwich-from-graph', closed && s2 && s2.name === 'main' && s2.self === 0 && s2.total === 84,
		`closed ${closed}, sandwich ${JSON.stringify(s2)}`);
	check('sandwich-no-errors', errors.length === 0, errors.join('; '));
	await page.close();
}

async function labels(browser, file) {
	const { page, errors } = await open(browser, file);
	const d = await page.evaluate(() => {
		const out = {};
		for (const r of window.flamegraph.drawn()) out[r.name.slice(0, 12)] = { label: r.label, w: r.w };
		return out;
	});
	const inv = d['v8::internal'], vec = d['std::vector<'], busy = d.busy;
	check('label-drops-namespace-and-args', inv && inv.label === 'Invoke' && inv.w < 200,
		`v8::internal::Invoke(...) ${JSON.stringify(inv)}`);
	const vl = vec && vec.label || '';
	check('label-ellipsis', vec && /…$/.test(vl) && vl.length >= 2 && '_M_realloc_insert'.startsWith(vl.slice(0, -1)),
		`std::vector<...>::_M_realloc_insert(int const&) ${JSON.stringify(vec)}`);
	check('label-fits-whole', busy && busy.label === 'busy' && d.main && d.main.label === 'main',
		`busy ${JSON.stringify(busy)}, main ${JSON.stringify(d.main)}`);
	const N = 'ns::Cls<int>::runner(int) const';
	const fn = await page.evaluate((N) => Flamegraph.frameLabel &&
		[[N, 40], [N, 25], [N, 8], [N, 4], ['(anonymous namespace)::go(int)', 4]].map(([n, c]) => Flamegraph.frameLabel(n, c)), N);
	check('label-function', JSON.stringify(fn) === JSON.stringify([N, 'ns::Cls<int>::runner', 'runner', 'run\u2026', 'go']),
		JSON.stringify(fn));
	check('label-no-errors', errors.length === 0, errors.join('; '));
	await page.close();
}

/* the page's background at the bottom left corner, x=3 (the body margin) */
async function bg(page) {
	const vp = page.viewportSize();
	return screenPixel(page, 3, vp.height - 3);
}
const dark = (p) => p && p[0] + p[1] + p[2] < 200;
const light = (p) => p && p[0] + p[1] + p[2] > 600;

async function theme(browser, file) {
	const page = await browser.newPage();
	const url = 'file://' + path.resolve(file);
	await page.emulateMedia({ colorScheme: 'dark' });
	await page.goto(url);
	await page.evaluate(() => localStorage.removeItem('bpfprof-theme'));
	await page.reload();
	const pd = await bg(page);
	await page.emulateMedia({ colorScheme: 'light' });
	const pl = await bg(page);
	check('theme-follows-system', dark(pd) && light(pl), `dark scheme ${pd}, light scheme ${pl}`);
	/* the toggle overrides the system and is remembered */
	const has = await page.locator('button.fg-theme').count();
	if (has) await page.click('button.fg-theme');
	const t1 = await bg(page);
	await page.reload();
	const t2 = await bg(page);
	const stored = await page.evaluate(() => localStorage.getItem('bpfprof-theme'));
	check('theme-toggle', has && dark(t1) && dark(t2) && stored === 'dark',
		`after toggle ${t1}, after reload ${t2}, stored ${stored}`);
	await page.emulateMedia({ colorScheme: 'dark' });
	if (has) await page.click('button.fg-theme');
	const t3 = await bg(page);
	await page.reload();
	const t4 = await bg(page);
	check('theme-toggle-back', has && light(t3) && light(t4), `light under a dark system: ${t3}, after reload ${t4}`);
	await page.evaluate(() => localStorage.removeItem('bpfprof-theme'));
	await page.close();
}

async function main() {
	const [mode, file, ...args] = process.argv.slice(2);
	let browser;
	try {
		browser = await launch({ width: 1200, height: 900 });
		if (mode === 'flame') await flame(browser, file, args[0], +args[1], args[2], +(args[3] || 1));
		else if (mode === 'diff') await diff(browser, file, args[0], args[1]);
		else if (mode === 'big') await big(browser, file, +args[0]);
		else if (mode === 'root') await rootMode(browser, file);
		else if (mode === 'sandwich') await sandwich(browser, file);
		else if (mode === 'labels') await labels(browser, file);
		else if (mode === 'theme') await theme(browser, file);
		else throw new Error('unknown mode ' + mode);
	} catch (e) {
		fail(mode || 'run', String(e && e.stack || e).split('\n').slice(0, 3).join(' | '));
	} finally {
		await close(browser);
	}
	process.exit(exitCode());
}
main();
