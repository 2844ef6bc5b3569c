// SPDX-License-Identifier: MIT
/* tinylib.c - a small shared library with CFI: copied by the churn tests to
 * make many distinct files. */
int tinylib_fn(int x);
int tinylib_fn(int x)
{
	return x * 7 + 3;
}
