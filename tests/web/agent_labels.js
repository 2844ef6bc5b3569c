// SPDX-License-Identifier: MIT
/*
 * agent_labels.js - the agent UI's label filters on the real agent's labels
 * (tests/integration/test_labels.sh runs the agent with workloads in cgroups
 * named as Docker, the kubelet and systemd name them):
 *
 *   node agent_labels.js URL SERVICE ROOT
 *
 * - "Filter by" offers the keys the agent reports (host, exe, service,
 *   container_id, pod_uid, env from --label) and, for service, SERVICE;
 * - choosing SERVICE asks api/profile with label.service=SERVICE and the
 *   flame graph then holds ROOT's stacks only.
 *
 * Prints PASS:/FAIL: lines (tests/lib.sh protocol) prefixed with $TEST_PREFIX.
 */
'use strict';
const { launch, close, agentPage } = require('./browser');

const { check, exitCode } = require('./report').reporter('agent_labels');
const loads = (page) => page.evaluate(() => +document.body.dataset.loads || 0);
async function settled(page, before) {
	await page.waitForFunction((n) => +document.body.dataset.loads > n &&
		document.body.dataset.loading === '0', before, { timeout: 20000 });
}

async function main() {
	const [url, service, root] = process.argv.slice(2);
	let ctx;
	try {
		ctx = await launch({ width: 1400, height: 1000 });
		const { page, errors, blocked, profileReqs } = await agentPage(ctx, new URL(url).origin);
		await page.goto(url);
		await settled(page, 0);
		const keys = await page.locator('#ag-label-key option').evaluateAll((o) => o.map((x) => x.value));
		const want = ['host', 'exe', 'service', 'container_id', 'pod_uid', 'env'];
		check('ui-label-keys', want.every((k) => keys.includes(k)), `keys ${keys}, want ${want}`);
		await page.selectOption('#ag-label-key', 'service', { timeout: 3000 });
		const values = await page.locator('#ag-label-value option').evaluateAll((o) => o.map((x) => x.value));
		check('ui-label-values', values.includes(service), `service values ${values}`);
		const n0 = profileReqs.length, l0 = await loads(page);
		await page.selectOption('#ag-label-value', service, { timeout: 3000 });
		await settled(page, l0);
		const q = profileReqs.slice(n0).map((u) => new URL(u).searchParams)[0];
		const got = await page.evaluate(() => {
			const p = window.bpfprofAgent.profile();
			return { total: p.total, roots: [...new Set(p.stacks.map((st) => p.strings[p.frames[2 * st[0]]]))] };
		});
		check('ui-label-filter', q && q.get('label.service') === service && !q.has('service') &&
			got.total > 0 && got.roots.join() === root,
			`request ${q}, total ${got.total}, roots ${got.roots} (want ${root})`);
		check('ui-no-errors', errors.length === 0 && blocked.length === 0,
			`errors ${errors.slice(0, 3)}, blocked ${blocked.slice(0, 3)}`);
	} catch (e) {
		check('ui-labels', false, String(e && e.message || e).split('\n')[0]);
	} finally {
		await close(ctx);
	}
	process.exit(exitCode());
}
main();
