// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - passt: user-mode networking for a qemu guest */

#include "loop/ctx.h"

/**
 * main() - Entry point: everything happens in libcommon's passt_main()
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: exit status, see passt(1)
 */
int main(int argc, char **argv)
{
	return passt_main(argc, argv);
}
