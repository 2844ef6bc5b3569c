// SPDX-License-Identifier: MIT
/*
 * browser.js - how the browser tests start Chromium: Debian's own
 * /usr/bin/chromium (never a downloaded browser), headless, in a throw-away
 * profile; and, for the agent's pages, a page that may reach the agent only.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

/* A browser context with its own profile folder; close it with close(). */
async function launch(viewport) {
	const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfprof-chromium-'));
	try {
		/* a persistent context is how playwright takes --user-data-dir */
		const ctx = await chromium.launchPersistentContext(userDir, {
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			headless: true,
			viewport,
			timeout: 60000,
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
				'--no-first-run', '--disable-component-update', '--disable-sync'],
		});
		ctx.userDir = userDir;
		return ctx;
	} catch (e) {
		fs.rmSync(userDir, { recursive: true, force: true });
		throw e;
	}
}

async function close(ctx) {
	if (!ctx) return;
	await ctx.close().catch(() => {});
	fs.rmSync(ctx.userDir, { recursive: true, force: true });
}

/*
 * A page that may load from origin only: every other request is refused and
 * listed in blocked. errors collects page errors and console errors,
 * profileReqs the /api/profile URLs asked for.
 */
async function agentPage(ctx, origin) {
	const blocked = [], errors = [], profileReqs = [];
	await ctx.route('**/*', (route) => {
		const u = route.request().url();
		if (u.startsWith(origin + '/')) return route.continue();
		blocked.push(u);
		return route.abort();
	});
	const page = ctx.pages()[0] || await ctx.newPage();
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	page.on('request', (r) => { if (r.url().includes('/api/profile')) profileReqs.push(r.url()); });
	return { page, blocked, errors, profileReqs };
}

module.exports = { launch, close, agentPage };
