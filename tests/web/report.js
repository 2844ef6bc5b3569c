// SPDX-License-Identifier: MIT
/*
 * report.js - the tests/lib.sh protocol for the browser tests: a PASS: or
 * FAIL: line per check, named $TEST_PREFIX/NAME (the script's own prefix
 * when unset), and an exit code that says whether any failed.
 */
'use strict';

function reporter(defaultPrefix) {
	const prefix = process.env.TEST_PREFIX || defaultPrefix;
	let failed = 0;
	const pass = (name) => console.log(`PASS: ${prefix}/${name}`);
	const fail = (name, why) => { console.log(`FAIL: ${prefix}/${name}: ${why}`); failed = 1; };
	const check = (name, ok, why) => { if (ok) pass(name); else fail(name, why); };
	return { pass, fail, check, exitCode: () => failed };
}

module.exports = { reporter };
