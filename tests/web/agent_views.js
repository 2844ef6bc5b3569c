// SPDX-License-Identifier: MIT
/*
 * agent_views.js - the agent UI's views on a busy machine, against
 * `node mock_agent.js PORT busy` (see there: deepapp with 122-frame stacks,
 * 302 one-sample gzip processes, 60 services; cgroup and container labels),
 * in headless Chromium (Debian's /usr/bin/chromium) at 1400x1000:
 *
 *   node agent_views.js URL
 *
 * - the page opens with the flame graph's root on screen (pixels);
 * - Top processes groups by comm by default (gzip's 302 samples near the
 *   top) and by pid on request (gzip then out of the first 40 rows);
 * - the label filter offers every label key of the API's rows (container is
 *   a key this page's code never names) with the values of the range, and a
 *   filter changes the totals, is asked as label.KEY= (cgroup= for the API's
 *   own) and travels in the URL hash;
 * - the sandwich of deflate: callers and callees with their counts, search
 *   and zoom in both halves, picked from the table and from the graph;
 * - dark mode follows prefers-color-scheme; the toggle is remembered.
 *
 * Prints PASS:/FAIL: lines (tests/lib.sh protocol) prefixed with $TEST_PREFIX.
 */
'use strict';
const { launch, close, agentPage } = require('./browser');
const { screenPixel, rootOnScreen } = require('./screen');

const { pass, fail, check, exitCode } = require('./report').reporter('agent_views');
async function attempt(name, f) {
	try {
		await f();
	} catch (e) {
		fail(name, String(e && e.message || e).split('\n')[0]);
	}
}

const loads = (page) => page.evaluate(() => +document.body.dataset.loads || 0);
async function settled(page, before) {
	await page.waitForFunction((n) => +document.body.dataset.loads > n &&
		document.body.dataset.loading === '0', before, { timeout: 20000 });
}

/* the Top processes table: header and rows as text */
async function procTable(page) {
	return page.evaluate(() => ({
		head: [...document.querySelectorAll('#ag-procs thead th')].map((t) => t.textContent),
		rows: [...document.querySelectorAll('#ag-procs tbody tr')].map((tr) =>
			[...tr.querySelectorAll('td')].map((td) => td.textContent)),
	}));
}

const profileTotal = (page) => page.evaluate(() => window.bpfprofAgent.profile().total);

/* name -> samples of the frames drawn at depth d of one sandwich half */
async function rowAt(page, which, d) {
	return page.evaluate(([which, d]) => {
		const s = window.bpfprofAgent.flamegraph().sandwich();
		if (!s) return null;
		const out = {};
		for (const r of s[which].drawn()) if (r.depth === d) out[r.name] = (out[r.name] || 0) + r.samples;
		return out;
	}, [which, d]);
}
const same = (a, b) => JSON.stringify(Object.entries(a || {}).sort()) === JSON.stringify(Object.entries(b).sort());

async function main() {
	const [url] = process.argv.slice(2);
	const origin = new URL(url).origin;
	let ctx;
	try {
		ctx = await launch({ width: 1400, height: 1000 });
		const { page, blocked, errors, profileReqs } = await agentPage(ctx, origin);
		await page.goto(url);
		await settled(page, 0);

		/* 1. the root of a deep graph is on screen */
		await attempt('root-on-screen', async () => {
			const r = await rootOnScreen(page, '#ag-flame > .fg-canvas-wrap canvas.fg-canvas',
				() => window.bpfprofAgent.flamegraph().drawn(), 30);
			check('root-on-screen', r.ok, r.why);
		});

		/* 2. Top processes by comm (the default), then by pid */
		await attempt('procs-by-comm', async () => {
			const group = await page.locator('#ag-procs-group').inputValue({ timeout: 2000 });
			const t = await procTable(page);
			const gz = t.rows.findIndex((r) => r[0] === 'gzip');
			check('procs-by-comm', group === 'comm' && t.head[0] === 'comm' && gz >= 0 && gz < 3 &&
				t.rows[gz][1] === '302' && t.rows[gz][2] === '302',
				`grouped by "${group}", head ${t.head}, gzip row ${gz}: ${JSON.stringify(t.rows[gz])}; first ${JSON.stringify(t.rows.slice(0, 3))}`);
		});
		await attempt('procs-by-pid', async () => {
			await page.selectOption('#ag-procs-group', 'pid', { timeout: 2000 });
			const t = await procTable(page);
			const gz = t.rows.findIndex((r) => r[1] === 'gzip');
			check('procs-by-pid', t.head[0] === 'pid' && t.rows[0][0] === '500' && t.rows[0][2] === '400' &&
				gz >= 40, `head ${t.head}, first ${JSON.stringify(t.rows[0])}, first gzip row ${gz}`);
			await page.selectOption('#ag-procs-group', 'comm');
		});

		/* 3. label filters: keys from the API's rows, values present in the range */
		await attempt('label-keys', async () => {
			const keys = await page.locator('#ag-label-key option').evaluateAll((o) => o.map((x) => x.value),
				{ timeout: 2000 });
			check('label-keys', ['pid', 'comm', 'cgroup', 'container'].every((k) => keys.includes(k)),
				`keys ${keys}`);
		});
		const all = await profileTotal(page);
		for (const [key, value, want] of [['cgroup', '/system.slice/backup.service', 302], ['container', 'web-1', 450]]) {
			await attempt(`label-filter-${key}`, async () => {
				await page.selectOption('#ag-label-key', key, { timeout: 2000 });
				const values = await page.locator('#ag-label-value option').evaluateAll((o) => o.map((x) => x.value));
				const n0 = profileReqs.length, l0 = await loads(page);
				await page.selectOption('#ag-label-value', value);
				await settled(page, l0);
				const q = profileReqs.slice(n0).map((u) => new URL(u).searchParams)[0];
				const total = await profileTotal(page);
				const chip = await page.locator('#ag-filters .ag-chip').allTextContents();
				const roots = await page.evaluate(() => window.bpfprofAgent.profile().stacks.length);
				const wantValues = key === 'cgroup'
					? ['/system.slice/web.service', '/user.slice/user-1000.slice', '/system.slice/deepapp.service',
						'/system.slice/backup.service']
					: ['web-1', 'batch-1', 'deep-1', 'backup-1'];
				/* the API's own filters by name, the other labels as label.KEY */
				const param = key === 'cgroup' ? key : `label.${key}`;
				check(`label-filter-${key}`, q && q.get(param) === value && !q.has(key === 'cgroup' ? 'label.cgroup' : key) &&
					total === want && all === 1575 &&
					chip.length === 1 && chip[0].startsWith(`${key} ${value}`) &&
					JSON.stringify(values.filter(Boolean)) === JSON.stringify(wantValues) && roots > 0,
					`request ${q}, total ${total} of ${all} (want ${want}), chips ${JSON.stringify(chip)}, ` +
					`values offered ${JSON.stringify(values)}`);
				const l1 = await loads(page);
				await page.locator('#ag-filters .ag-chip button').first().click();
				await settled(page, l1);
			});
		}
		await attempt('label-filter-removed', async () => {
			const total = await profileTotal(page);
			const q = new URL(profileReqs[profileReqs.length - 1]).searchParams;
			check('label-filter-removed', total === 1575 && !q.has('cgroup') && !q.has('label.container'),
				`total ${total}, last request ${q}`);
		});
		await attempt('procs-row-filters', async () => {
			/* a click on the gzip row of the comm grouping filters by comm */
			const l0 = await loads(page);
			await page.locator('#ag-procs tbody tr', { has: page.locator('td', { hasText: /^gzip$/ }) }).first().click();
			await settled(page, l0);
			const total = await profileTotal(page);
			const q = new URL(profileReqs[profileReqs.length - 1]).searchParams;
			check('procs-row-filters', total === 302 && q.get('comm') === 'gzip', `total ${total}, request ${q}`);
			const l1 = await loads(page);
			await page.locator('#ag-filters .ag-chip button').first().click();
			await settled(page, l1);
		});

		/* a link carries the filters: the URL hash */
		await attempt('label-filter-link', async () => {
			await page.goto('about:blank');
			await page.goto(url + '#cgroup=' + encodeURIComponent('/system.slice/backup.service'));
			await settled(page, 0);
			const total = await profileTotal(page);
			const chip = await page.locator('#ag-filters .ag-chip').allTextContents();
			check('label-filter-link', total === 302 && chip.length === 1 && chip[0].startsWith('cgroup /system.slice/backup.service'),
				`total ${total}, chips ${JSON.stringify(chip)}`);
			const l1 = await loads(page);
			await page.locator('#ag-filters .ag-chip button').first().click();
			await settled(page, l1);
		});

		/* 4. the sandwich of deflate: from the functions table */
		await attempt('sandwich-from-table', async () => {
			await page.locator('#ag-func-filter').fill('deflate');
			await page.waitForFunction(() => document.querySelectorAll('#ag-funcs tbody tr').length === 1,
				null, { timeout: 5000 });
			await page.locator('#ag-funcs tbody tr button.ag-sandwich').first().click({ timeout: 2000 });
			const s = await page.evaluate(() => {
				const s = window.bpfprofAgent.flamegraph().sandwich();
				return s && { name: s.name, self: s.self, total: s.total };
			});
			const head = await page.locator('#ag-flame .fg-sandwich-head').textContent();
			const c1 = await rowAt(page, 'callers', 1), e1 = await rowAt(page, 'callees', 1);
			check('sandwich-from-table', s && s.name === 'deflate' && s.self === 31 && s.total === 302 &&
				/self 31\b/.test(head) && /total 302\b/.test(head) && same(c1, { zip: 302 }) &&
				same(e1, { fill_window: 151, longest_match: 120 }),
				`sandwich ${JSON.stringify(s)}, header "${head}", callers ${JSON.stringify(c1)}, callees ${JSON.stringify(e1)}`);
			await page.locator('#ag-func-filter').fill('');
		});
		await attempt('sandwich-search-zoom', async () => {
			await page.fill('#ag-flame input.fg-search', '^zip$|fill');
			await page.keyboard.press('Enter');
			const m = await page.evaluate(() => {
				const s = window.bpfprofAgent.flamegraph().sandwich();
				const f = (fg) => fg.drawn().filter((r) => r.matched).map((r) => r.name).join();
				return { callers: f(s.callers), callees: f(s.callees) };
			});
			await page.click('#ag-flame button.fg-clear');
			const zoomed = [];
			for (const [which, name] of [['callers', 'main'], ['callees', 'fill_window']]) {
				const sel = `#ag-flame .fg-sandwich-${which} canvas.fg-canvas`;
				await page.locator(sel).scrollIntoViewIfNeeded();
				const d = await page.evaluate(([w, n]) => window.bpfprofAgent.flamegraph().sandwich()[w].drawn()
					.find((r) => r.name === n), [which, name]);
				const box = await page.locator(sel).boundingBox();
				await page.mouse.click(box.x + d.x + d.w / 2, box.y + d.y + d.h / 2);
				zoomed.push(await page.evaluate((w) => window.bpfprofAgent.flamegraph().sandwich()[w].focus(), which));
			}
			check('sandwich-search-zoom', m.callers === 'zip' && m.callees === 'fill_window' &&
				zoomed.join() === 'main,fill_window', `matched ${JSON.stringify(m)}, zoomed to ${zoomed}`);
		});
		await attempt('sandwich-from-graph', async () => {
			await page.click('#ag-flame button.fg-sandwich-close');
			const d = await page.evaluate(() => window.bpfprofAgent.flamegraph().drawn().find((r) => r.name === 'zip'));
			const sel = '#ag-flame > .fg-canvas-wrap canvas.fg-canvas';
			await page.evaluate(([sel, y]) => {
				const w = document.querySelector(sel).parentElement;
				w.scrollIntoView();
				w.scrollTop = Math.max(0, y - w.clientHeight / 2);
			}, [sel, d.y]);
			const box = await page.locator(sel).boundingBox();
			await page.mouse.click(box.x + d.x + d.w / 2, box.y + d.y + d.h / 2, { button: 'right' });
			const s = await page.evaluate(() => {
				const s = window.bpfprofAgent.flamegraph().sandwich();
				return s && { name: s.name, self: s.self, total: s.total };
			});
			check('sandwich-from-graph', s && s.name === 'zip' && s.self === 0 && s.total === 302, JSON.stringify(s));
			await page.click('#ag-flame button.fg-sandwich-close');
		});

		/* 5. dark mode: the page background at the bottom left (x=3: the main padding) */
		await attempt('theme', async () => {
			const bg = () => screenPixel(page, 3, 997);
			const dark = (p) => p && p[0] + p[1] + p[2] < 200, light = (p) => p && p[0] + p[1] + p[2] > 600;
			await page.evaluate(() => localStorage.removeItem('bpfprof-theme'));
			await page.emulateMedia({ colorScheme: 'dark' });
			const pd = await bg();
			await page.emulateMedia({ colorScheme: 'light' });
			const pl = await bg();
			check('theme-follows-system', dark(pd) && light(pl), `dark scheme ${pd}, light scheme ${pl}`);
			await page.click('#ag-theme', { timeout: 2000 });
			const t1 = await bg();
			const l0 = await loads(page);
			await page.reload();
			await settled(page, -1).catch(() => {});
			const t2 = await bg();
			check('theme-toggle', dark(t1) && dark(t2) &&
				await page.evaluate(() => localStorage.getItem('bpfprof-theme')) === 'dark',
				`after toggle ${t1}, after reload ${t2} (loads ${l0})`);
			await page.evaluate(() => localStorage.removeItem('bpfprof-theme'));
		});

		check('views-no-external-requests', blocked.length === 0, 'blocked ' + blocked.join(', '));
		check('views-no-page-errors', errors.length === 0, errors.join('; '));
	} catch (e) {
		fail('run', String(e && e.stack || e).split('\n').slice(0, 4).join(' | '));
	} finally {
		await close(ctx);
	}
	process.exit(exitCode());
}

main();
