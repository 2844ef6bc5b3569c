// SPDX-License-Identifier: MIT
/*
 * calltree_main.c - main for calltree.c built as a shared library
 * (libcalltree.so, its main renamed calltree_main): the whole known call
 * tree then runs in a library.
 *
 *   main -> calltree_main -> run -> stage_one -> ... -> leaf_*
 */
int calltree_main(int argc, char **argv);

int main(int argc, char **argv)
{
	/* volatile: the call must not become a tail jump (main would vanish) */
	volatile int rc = calltree_main(argc, argv);

	return rc;
}
